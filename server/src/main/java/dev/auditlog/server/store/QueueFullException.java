package dev.auditlog.server.store;

/** The sequencer's queue has no room for the events; nothing of them was queued. */
public final class QueueFullException extends Exception {
  private static final long serialVersionUID = 1L;

  public QueueFullException(int requested, int capacity) {
    super("append queue is full (capacity " + capacity + ", " + requested + " events offered)");
  }
}
