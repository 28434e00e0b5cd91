package dev.auditlog.client.cli;

import dev.auditlog.api.v1.Checkpoint;
import dev.auditlog.api.v1.GetCheckpointRequest;
import dev.auditlog.client.AuditClient;
import dev.auditlog.client.ExportWriter;
import dev.auditlog.integrity.Ed25519Keys;
import java.io.PrintWriter;
import java.security.GeneralSecurityException;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code audit checkpoint}: fetches a signed checkpoint and prints it as an export
 * checkpoint line, followed by the public key the server says it signs with (PEM). Keep
 * checkpoints to compare later exports with; get the public key to verify with from the
 * operator too, not only from the server.
 */
@Command(name = "checkpoint", mixinStandardHelpOptions = true, sortOptions = false,
    description = {
        "Print a signed checkpoint (a JSON line) and the server's public key (PEM).",
        "Reads as certs-dev/auditor.* unless --cert/--key say otherwise."})
final class CheckpointCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin Connection connection;

  @Option(names = "--fresh", description = "Have the server sign a checkpoint of the head now.")
  boolean fresh;

  @Option(names = "--seq", defaultValue = "0",
      description = "The earliest stored checkpoint covering this seq; 0 for the latest.")
  long seq;

  @Override
  public Integer call() throws Exception {
    Checkpoint c;
    try (AuditClient client = connection.connect("auditor")) {
      c = client.checkpoint(GetCheckpointRequest.newBuilder().setFresh(fresh).setSeq(seq).build());
    }
    PrintWriter out = spec.commandLine().getOut();
    out.println(ExportWriter.checkpointLine(c));
    try {
      out.print(Ed25519Keys.publicPem(Ed25519Keys.publicKey(c.getPublicKey().toByteArray())));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("the server sent no Ed25519 public key", e);
    }
    out.flush();
    return ExitCodes.OK;
  }
}
