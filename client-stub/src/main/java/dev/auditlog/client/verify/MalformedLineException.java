package dev.auditlog.client.verify;

/** A line of an export file is not what the format allows. */
final class MalformedLineException extends Exception {
  private static final long serialVersionUID = 1L;

  MalformedLineException(String message) {
    super(message);
  }
}
