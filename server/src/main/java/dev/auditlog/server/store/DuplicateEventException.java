package dev.auditlog.server.store;

import dev.auditlog.api.v1.Entry;

/** An event reused the {@code event_id} of a stored entry with other content. */
public final class DuplicateEventException extends Exception {
  private static final long serialVersionUID = 1L;

  private final transient Entry stored;

  public DuplicateEventException(Entry stored) {
    super("event_id " + stored.getEventId() + " is already stored at seq " + stored.getSeq()
        + " with other content");
    this.stored = stored;
  }

  /** The entry stored first under this event id, unchanged. */
  public Entry stored() {
    return stored;
  }
}
