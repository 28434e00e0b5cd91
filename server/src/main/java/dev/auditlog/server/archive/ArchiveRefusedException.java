package dev.auditlog.server.archive;

/** An archive that may not be made as asked; the message says why and what would do. */
public final class ArchiveRefusedException extends Exception {
  private static final long serialVersionUID = 1L;

  ArchiveRefusedException(String message) {
    super(message);
  }
}
