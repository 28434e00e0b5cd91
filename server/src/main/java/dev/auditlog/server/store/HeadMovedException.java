package dev.auditlog.server.store;

/**
 * A group of appends was not stored because the log's head is no longer the one it was
 * sealed against: another appender (another server instance) stored entries first, or
 * stored one of the group's event ids. Nothing of the group is stored; seal it again
 * against a fresh head.
 */
public final class HeadMovedException extends StoreException {
  private static final long serialVersionUID = 1L;

  public HeadMovedException(String message, Throwable cause) {
    super(message, true, cause);
  }
}
