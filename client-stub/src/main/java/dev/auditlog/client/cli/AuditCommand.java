package dev.auditlog.client.cli;

import com.google.protobuf.Timestamp;
import com.google.protobuf.util.Timestamps;
import dev.auditlog.api.v1.Outcome;
import java.io.PrintWriter;
import java.util.Locale;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * The {@code audit} command: talks to the audit server over mutual TLS from a shell.
 *
 * <p>Each subcommand is its own class; to add one, list it in {@code subcommands} below. Exit
 * codes are those of {@link ExitCodes}; errors are one line on standard error.
 */
@Command(name = "audit", mixinStandardHelpOptions = true, versionProvider = Version.class,
    description = "Append to and read the audit log over mutual TLS.",
    subcommands = {
        AppendCommand.class,
        ListCommand.class,
        HealthCommand.class,
        ExportCommand.class,
        VerifyCommand.class,
        CheckpointCommand.class,
        ProveCommand.class,
        VerifyProofCommand.class,
        ConsistencyCommand.class,
        ForwardersCommand.class,
        dev.auditlog.client.bench.BenchCommand.class,
        dev.auditlog.client.bench.SearchBenchCommand.class,
        dev.auditlog.client.bench.ProofBenchCommand.class,
    },
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
        "0:success",
        "1:other failure",
        "2:bad argument (usage, JSON, files, or INVALID_ARGUMENT from the server)",
        "3:TLS handshake refused (certificate, key or CA do not fit the server)",
        "4:identity denied (PERMISSION_DENIED, UNAUTHENTICATED)",
        "5:server unavailable or deadline exceeded",
        "6:event_id already stored with other content (ALREADY_EXISTS)",
        "7:server not serving (health)",
    })
public final class AuditCommand implements Runnable {
  @Spec CommandSpec spec;

  public static void main(String[] args) {
    System.exit(commandLine().execute(args));
  }

  /** The command line with its converters and error handling, on stdout and stderr. */
  public static CommandLine commandLine() {
    return commandLine(new PrintWriter(System.out, true), new PrintWriter(System.err, true));
  }

  /** Like {@link #commandLine()}, writing to {@code out} and {@code err}. */
  public static CommandLine commandLine(PrintWriter out, PrintWriter err) {
    CommandLine cl = new CommandLine(new AuditCommand());
    cl.setOut(out);
    cl.setErr(err);
    cl.registerConverter(Timestamp.class, Timestamps::parse);
    cl.registerConverter(Outcome.class, AuditCommand::outcome);
    cl.setParameterExceptionHandler(Failures::onBadArguments);
    cl.setExecutionExceptionHandler(Failures::onFailure);
    return cl;
  }

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "name a subcommand");
  }

  /** {@code failure}, {@code FAILURE} and {@code OUTCOME_FAILURE} alike. */
  static Outcome outcome(String text) {
    String name = text.toUpperCase(Locale.ROOT);
    for (Outcome o : Outcome.values()) {
      if (o != Outcome.OUTCOME_UNSPECIFIED && o != Outcome.UNRECOGNIZED
          && (o.name().equals(name) || o.name().equals("OUTCOME_" + name))) {
        return o;
      }
    }
    throw new CommandLine.TypeConversionException(
        "expected success, failure, denied or error, got '" + text + "'");
  }
}
