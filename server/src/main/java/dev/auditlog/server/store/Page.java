package dev.auditlog.server.store;

import dev.auditlog.api.v1.Entry;
import java.util.List;

/**
 * A page of entries in increasing seq order; {@code more} is true when entries matching
 * the query follow the last one.
 */
public record Page(List<Entry> entries, boolean more) {
  public Page {
    entries = List.copyOf(entries);
  }
}
