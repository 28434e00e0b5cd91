package dev.auditlog.server.checkpoint;

/**
 * The stored log no longer matches a checkpoint signed earlier: it is shorter, or its
 * chain hash at the checkpoint's seq differs. Someone changed the store behind the
 * server's back; the server refuses to sign a new checkpoint over it.
 */
public final class InconsistentLogException extends Exception {
  private static final long serialVersionUID = 1L;

  public InconsistentLogException(String message) {
    super(message);
  }
}
