package dev.auditlog.client.cli;

import picocli.CommandLine.Option;

/** Which of the server's logs a subcommand works on: {@code --log}, unset for the default. */
final class LogOption {
  @Option(names = "--log", defaultValue = "${env:AUDIT_LOG:-}", paramLabel = "LOG",
      description = "The log, as the server's --log names it (env AUDIT_LOG); unset: the"
          + " server's default log.")
  String log;

  /** The {@code log_id} to send: empty for the default log. */
  String id() {
    return log == null ? "" : log;
  }
}
