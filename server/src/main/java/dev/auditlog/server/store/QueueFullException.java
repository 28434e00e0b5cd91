package dev.auditlog.server.store;

/** The sequencer's queue has no room for the events; nothing of them was queued. */
public final class QueueFullException extends Exception {
  private static final long serialVersionUID = 1L;

  private QueueFullException(String message) {
    super(message);
  }

  static QueueFullException count(int offered, int capacity) {
    return new QueueFullException(
        "append queue is full (" + capacity + " appends; " + offered + " offered)");
  }

  static QueueFullException bytes(long offered, long capacity) {
    return new QueueFullException(
        "append queue is full (" + capacity + " bytes; " + offered + " offered)");
  }
}
