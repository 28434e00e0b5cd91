package dev.auditlog.client.cli;

import dev.auditlog.api.v1.Checkpoint;
import dev.auditlog.api.v1.GetCheckpointRequest;
import dev.auditlog.client.AuditClient;
import dev.auditlog.client.ExportWriter;
import dev.auditlog.integrity.Ed25519Keys;
import dev.auditlog.integrity.tlog.Note;
import dev.auditlog.integrity.tlog.NoteVerifier;
import dev.auditlog.integrity.tlog.TlogCheckpoint;
import java.io.PrintWriter;
import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code audit checkpoint}: fetches a signed checkpoint and prints it as an export
 * checkpoint line, followed by the public key the server says it signs with (PEM) and, for a
 * checkpoint with a Merkle root, its signed note and the verifier key of the note's origin
 * and that public key. Keep checkpoints to compare later exports with; get the keys to verify
 * with from the operator too, not only from the server.
 */
@Command(name = "checkpoint", mixinStandardHelpOptions = true, sortOptions = false,
    description = {
        "Print a signed checkpoint (a JSON line), the server's public key (PEM) and, if the"
            + " checkpoint has a Merkle root, its signed note and the log's verifier key.",
        "The keys come from the server: check them against keys obtained out of band.",
        "Reads as certs-dev/auditor.* unless --cert/--key say otherwise."})
final class CheckpointCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin Connection connection;
  @Mixin LogOption log;

  @Option(names = "--fresh", description = "Have the server sign a checkpoint of the head now.")
  boolean fresh;

  @Option(names = "--seq", defaultValue = "0",
      description = "The earliest stored checkpoint covering this seq; 0 for the latest.")
  long seq;

  @Option(names = "--note",
      description = "Print the signed note alone (for 'audit consistency' and witnesses).")
  boolean noteOnly;

  @Override
  public Integer call() throws Exception {
    Checkpoint c;
    try (AuditClient client = connection.connect("auditor")) {
      c = client.checkpoint(GetCheckpointRequest.newBuilder().setFresh(fresh).setSeq(seq)
          .setLogId(log.id()).build());
    }
    PrintWriter out = spec.commandLine().getOut();
    if (noteOnly) {
      if (c.getNote().isEmpty()) {
        throw new IllegalStateException("the checkpoint of seq " + c.getSeq()
            + " has no Merkle root, so no note");
      }
      out.print(c.getNote());
      out.flush();
      return ExitCodes.OK;
    }
    out.println(ExportWriter.checkpointLine(c));
    PublicKey key = publicKey(c);
    out.print(Ed25519Keys.publicPem(key));
    if (!c.getNote().isEmpty()) {
      out.print(c.getNote());
      out.println("verifier key: " + verifierKey(c.getNote(), key));
      spec.commandLine().getErr().println("audit: the public key and the verifier key came"
          + " from the server; check them against keys obtained out of band (from the"
          + " operator) before you trust what they verify");
    }
    out.flush();
    return ExitCodes.OK;
  }

  private static PublicKey publicKey(Checkpoint c) {
    try {
      return Ed25519Keys.publicKey(c.getPublicKey().toByteArray());
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("the server sent no Ed25519 public key", e);
    }
  }

  /** The verifier key of the note's origin (its key name) and the checkpoint's key. */
  private static String verifierKey(String note, PublicKey key) {
    try {
      String origin = TlogCheckpoint.parse(Note.parse(note).text()).origin();
      return new NoteVerifier(origin, key).verifierKey();
    } catch (IllegalArgumentException e) {
      throw new IllegalStateException("the server's checkpoint note is malformed: "
          + e.getMessage(), e);
    }
  }
}
