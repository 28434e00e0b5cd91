package dev.auditlog.client.cli;

import dev.auditlog.api.v1.Checkpoint;
import dev.auditlog.api.v1.GetCheckpointRequest;
import dev.auditlog.client.AuditClient;
import dev.auditlog.client.ExportWriter;
import dev.auditlog.integrity.Ed25519Keys;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
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
 * operator as well, not only from the server.
 */
@Command(name = "checkpoint", mixinStandardHelpOptions = true,
    description = "Print a signed checkpoint (JSON) and the server's public key (PEM).")
public final class CheckpointCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Mixin
  ServerOptions server;

  @Option(names = "--fresh", description = "Have the server sign a checkpoint of the head now.")
  boolean fresh;

  @Option(names = "--seq", defaultValue = "0",
      description = "The earliest stored checkpoint covering this seq; 0 for the latest.")
  long seq;

  @Override
  public Integer call() throws IOException {
    PrintWriter out = spec.commandLine().getOut();
    try (AuditClient client = server.connect()) {
      Checkpoint c = client.checkpoint(
          GetCheckpointRequest.newBuilder().setFresh(fresh).setSeq(seq).build());
      out.println(ExportWriter.checkpointLine(c));
      out.print(Ed25519Keys.publicPem(Ed25519Keys.publicKey(c.getPublicKey().toByteArray())));
      out.flush();
      return 0;
    } catch (StatusRuntimeException e) {
      spec.commandLine().getErr().println("audit checkpoint: " + e.getStatus().getCode() + ": "
          + e.getStatus().getDescription());
      return 1;
    } catch (GeneralSecurityException e) {
      spec.commandLine().getErr().println("audit checkpoint: the server sent no Ed25519 public"
          + " key: " + e.getMessage());
      return 1;
    }
  }
}
