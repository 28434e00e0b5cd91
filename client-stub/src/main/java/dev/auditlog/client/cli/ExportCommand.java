package dev.auditlog.client.cli;

import com.google.protobuf.Timestamp;
import dev.auditlog.api.v1.ExportRequest;
import dev.auditlog.client.AuditClient;
import dev.auditlog.client.ExportWriter;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.time.format.DateTimeParseException;
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
@Command(name = "export", mixinStandardHelpOptions = true,
    description = "Export entries and the signed checkpoint that covers them as JSON lines,"
        + " for 'audit verify'.")
public final class ExportCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Mixin
  ServerOptions server;

  @Option(names = {"-o", "--output"}, required = true, paramLabel = "FILE",
      description = "The export file to write.")
  Path output;

  @Option(names = "--from-seq", defaultValue = "1", description = "First entry (default 1).")
  long fromSeq;

  @Option(names = "--to-seq", defaultValue = "0",
      description = "Last entry wanted, 0 for the head; the export goes on to the covering"
          + " checkpoint.")
  long toSeq;

  @Option(names = "--since", description = "From the first entry recorded at or after this"
      + " RFC 3339 time.")
  String since;

  @Option(names = "--until", description = "To the last entry recorded before this RFC 3339 time.")
  String until;

  @Override
  public Integer call() throws IOException {
    ExportRequest request;
    try {
      request = request();
    } catch (DateTimeParseException e) {
      spec.commandLine().getErr().println("audit export: --since/--until must be RFC 3339"
          + " times such as 2026-11-23T09:15:00Z: " + e.getParsedString());
      return 2;
    }
    Path parent = output.toAbsolutePath().getParent();
    Path partial = Files.createTempFile(parent, output.getFileName().toString(), ".partial");
    try (AuditClient client = server.connect();
        Writer out = new OutputStreamWriter(Files.newOutputStream(partial), StandardCharsets.UTF_8)) {
      ExportWriter.Summary s = ExportWriter.write(client.export(request), out);
      out.close();
      Files.move(partial, output, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      spec.commandLine().getErr().println("exported " + s.entries() + " entries, seq "
          + s.header().getFromSeq() + ".." + s.header().getToSeq() + ", checkpoint signed by key "
          + s.checkpoint().getKeyId() + " to " + output);
      return 0;
    } catch (StatusRuntimeException e) {
      spec.commandLine().getErr().println("audit export: " + e.getStatus().getCode() + ": "
          + e.getStatus().getDescription());
      return 1;
    } finally {
      Files.deleteIfExists(partial);
    }
  }

  ExportRequest request() {
    ExportRequest.Builder b = ExportRequest.newBuilder().setFromSeq(fromSeq).setToSeq(toSeq);
    if (since != null) {
      b.setSince(timestamp(since));
    }
    if (until != null) {
      b.setUntil(timestamp(until));
    }
    return b.build();
  }

  private static Timestamp timestamp(String rfc3339) {
    Instant i = Instant.parse(rfc3339);
    return Timestamp.newBuilder().setSeconds(i.getEpochSecond()).setNanos(i.getNano()).build();
  }
}
