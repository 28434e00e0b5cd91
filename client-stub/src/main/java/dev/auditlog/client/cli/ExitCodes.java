package dev.auditlog.client.cli;

/** The exit codes of the {@code audit} command, as its {@code --help} lists them. */
final class ExitCodes {
  static final int OK = 0;
  static final int FAILURE = 1;
  static final int BAD_ARGUMENT = 2;
  static final int HANDSHAKE_REFUSED = 3;
  static final int DENIED = 4;
  static final int UNAVAILABLE = 5;
  static final int ALREADY_EXISTS = 6;
  static final int NOT_SERVING = 7;

  private ExitCodes() {}
}
