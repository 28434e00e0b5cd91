package dev.auditlog.client.cli;

import com.google.protobuf.Timestamp;
import dev.auditlog.api.v1.ExportRequest;
import dev.auditlog.client.AuditClient;
import dev.auditlog.client.ExportWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code audit export}: streams entries and their covering signed checkpoint into an
 * export file (JSON lines, docs/export-format.md). Writes to a temporary file beside the
 * output and renames it when complete, so a failed export leaves no partial file.
 */
@Command(name = "export", mixinStandardHelpOptions = true, sortOptions = false,
    description = {
        "Write entries and the signed checkpoint that covers them as JSON lines, for"
            + " 'audit verify' (docs/export-format.md).",
        "The export ends at the covering checkpoint, so it may go on past --to-seq/--until.",
        "--deadline does not limit the export stream.",
        "Reads as certs-dev/auditor.* unless --cert/--key say otherwise."})
final class ExportCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin Connection connection;
  @Mixin LogOption log;

  @Option(names = {"-o", "--output"}, required = true, paramLabel = "FILE",
      description = "The export file to write.")
  Path output;

  @Option(names = "--from-seq", defaultValue = "1", description = "First entry (default 1).")
  long fromSeq;

  @Option(names = "--to-seq", defaultValue = "0",
      description = "Last entry wanted; 0 (the default) for the head.")
  long toSeq;

  @Option(names = "--since", paramLabel = "RFC3339",
      description = "From the first entry recorded at or after, e.g. 2026-11-23T00:00:00Z.")
  Timestamp since;

  @Option(names = "--until", paramLabel = "RFC3339",
      description = "To the last entry recorded before.")
  Timestamp until;

  @Override
  public Integer call() throws IOException {
    ExportRequest request = request();
    Path partial = Files.createTempFile(output.toAbsolutePath().getParent(),
        output.getFileName().toString(), ".partial");
    try (AuditClient client = connection.connect("auditor")) {
      ExportWriter.Summary s;
      try (Writer out = new OutputStreamWriter(Files.newOutputStream(partial),
          StandardCharsets.UTF_8)) {
        s = ExportWriter.write(client.export(request), out);
      }
      Files.move(partial, output, StandardCopyOption.REPLACE_EXISTING,
          StandardCopyOption.ATOMIC_MOVE);
      spec.commandLine().getErr().println("audit: exported " + s.entries() + " entries, seq "
          + s.header().getFromSeq() + ".." + s.header().getToSeq()
          + ", checkpoint signed by key " + s.checkpoint().getKeyId() + ", to " + output);
      return ExitCodes.OK;
    } finally {
      Files.deleteIfExists(partial);
    }
  }

  private ExportRequest request() {
    if (fromSeq < 0 || toSeq < 0) {
      throw new IllegalArgumentException(
          "--from-seq and --to-seq must be >= 0, got " + fromSeq + " and " + toSeq);
    }
    ExportRequest.Builder b = ExportRequest.newBuilder().setFromSeq(fromSeq).setToSeq(toSeq)
        .setLogId(log.id());
    if (since != null) {
      b.setSince(since);
    }
    if (until != null) {
      b.setUntil(until);
    }
    return b.build();
  }
}
