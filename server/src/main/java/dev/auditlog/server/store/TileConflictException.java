package dev.auditlog.server.store;

/**
 * A tile the server computed differs from what the store holds or will accept: the
 * entries or tiles were changed behind the server's back, or the server is wrong. Not
 * retryable.
 */
public final class TileConflictException extends StoreException {
  private static final long serialVersionUID = 1L;

  public TileConflictException(String message, Throwable cause) {
    super(message, false, cause);
  }
}
