package dev.auditlog.server.store;

/**
 * The audit store could not do what was asked. {@link #retryable()} tells whether the same
 * request may succeed later (the database is unreachable, restarting or overloaded) or not
 * (a bug, a broken schema); the cause keeps the driver's exception.
 */
public class StoreException extends Exception {
  private static final long serialVersionUID = 1L;

  private final boolean retryable;

  public StoreException(String message, boolean retryable, Throwable cause) {
    super(message, cause);
    this.retryable = retryable;
  }

  /** True when the failure is transient and the caller may retry the same request. */
  public boolean retryable() {
    return retryable;
  }
}
