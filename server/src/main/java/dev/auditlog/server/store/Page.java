package dev.auditlog.server.store;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.auditlog.api.v1.Entry;
import dev.auditlog.api.v1.ListResponse;
import java.util.List;

/**
 * A page of entries in increasing seq order; {@link #more} is true when entries matching
 * the query follow the last one.
 *
 * <p>The entries are held as List sends them: the serialized {@link ListResponse} with
 * these entries and nothing else ({@link #wire}). A store that reads rows writes that
 * form from them directly ({@link EncodedEntries}), without an {@link Entry} object in
 * between; {@link #entries} parses it again, for those that want the messages.
 */
public final class Page {
  private final ByteString wire;
  private final int size;
  private final long lastSeq;
  private final boolean more;

  private Page(ByteString wire, int size, long lastSeq, boolean more) {
    this.wire = wire;
    this.size = size;
    this.lastSeq = lastSeq;
    this.more = more;
  }

  /** A page of these entries. */
  public static Page of(List<Entry> entries, boolean more) {
    ByteString wire = ListResponse.newBuilder().addAllEntries(entries).build().toByteString();
    return new Page(wire, entries.size(),
        entries.isEmpty() ? 0 : entries.get(entries.size() - 1).getSeq(), more);
  }

  /** A page of {@code size} entries already written as {@link #wire}, the last {@code lastSeq}. */
  static Page encoded(ByteString wire, int size, long lastSeq, boolean more) {
    return new Page(wire, size, lastSeq, more);
  }

  /** A serialized {@link ListResponse} holding this page's entries and nothing else. */
  public ByteString wire() {
    return wire;
  }

  /** The entries, parsed from {@link #wire} at each call. */
  public List<Entry> entries() {
    try {
      return ListResponse.parseFrom(wire).getEntriesList();
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("a page's entries do not parse", e);
    }
  }

  public int size() {
    return size;
  }

  /** The seq of the last entry; 0 for an empty page. */
  public long lastSeq() {
    return lastSeq;
  }

  public boolean more() {
    return more;
  }
}
