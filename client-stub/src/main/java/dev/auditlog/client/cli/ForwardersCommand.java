package dev.auditlog.client.cli;

import dev.auditlog.api.v1.ForwarderStatus;
import dev.auditlog.client.AuditClient;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code audit forwarders}: one JSON line per SIEM destination (cursor, lag in entries and
 * milliseconds, last success, last error, paused), or with {@code --replay NAME --from-seq
 * N}, deliver the log to a destination again from a seq and resume it.
 */
@Command(name = "forwarders", mixinStandardHelpOptions = true, sortOptions = false,
    description = {
        "Print each SIEM destination's state as a JSON line: cursor_seq, head_seq, lag_entries,"
            + " lag_millis, last_success, last_error, paused, forwarding_here.",
        "With --replay NAME, deliver the log to it again from --from-seq and resume it if"
            + " paused (an admin identity; --from-seq 0 only resumes).",
        "Reads as certs-dev/auditor.* unless --cert/--key say otherwise."})
final class ForwardersCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin Connection connection;

  @Option(names = "--replay", paramLabel = "NAME",
      description = "The destination to deliver again from --from-seq.")
  String replay;

  @Option(names = "--from-seq", defaultValue = "0",
      description = "With --replay: the first seq to deliver again; 0 only resumes.")
  long fromSeq;

  @Override
  public Integer call() throws Exception {
    if (replay == null && fromSeq != 0) {
      throw new IllegalArgumentException("--from-seq goes with --replay NAME");
    }
    if (fromSeq < 0) {
      throw new IllegalArgumentException("--from-seq must be >= 0, got " + fromSeq);
    }
    PrintWriter out = spec.commandLine().getOut();
    try (AuditClient client = connection.connect("auditor")) {
      List<ForwarderStatus> statuses = replay == null ? client.forwarders()
          : List.of(client.replayForwarder(replay, fromSeq));
      statuses.forEach(s -> out.println(JsonOutput.line(s)));
    }
    out.flush();
    return ExitCodes.OK;
  }
}
