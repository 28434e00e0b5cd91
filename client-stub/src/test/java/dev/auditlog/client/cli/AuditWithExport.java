package dev.auditlog.client.cli;

import com.google.protobuf.Timestamp;
import com.google.protobuf.util.Timestamps;
import java.io.PrintWriter;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code audit} command as {@link AuditCommand#commandLine} builds it, with {@code
 * export}, {@code verify} and {@code checkpoint} added when {@link AuditCommand} does not
 * list them yet. Once it does, this is the same as {@link AuditCommand#commandLine}.
 */
final class AuditWithExport {
  private AuditWithExport() {}

  static CommandLine commandLine(PrintWriter out, PrintWriter err) {
    CommandLine cl = AuditCommand.commandLine(out, err);
    for (Object sub : List.of(new ExportCommand(), new VerifyCommand(), new CheckpointCommand())) {
      if (!cl.getSubcommands().containsKey(sub.getClass().getAnnotation(Command.class).name())) {
        cl.addSubcommand(sub);
      }
    }
    // Settings apply to the subcommands present when they are set: set them again.
    cl.setOut(out);
    cl.setErr(err);
    cl.registerConverter(Timestamp.class, Timestamps::parse);
    cl.setParameterExceptionHandler(Failures::onBadArguments);
    cl.setExecutionExceptionHandler(Failures::onFailure);
    return cl;
  }
}
