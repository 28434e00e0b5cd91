package dev.auditlog.client.cli;

import dev.auditlog.api.v1.Checkpoint;
import dev.auditlog.api.v1.GetInclusionProofRequest;
import dev.auditlog.api.v1.GetInclusionProofResponse;
import dev.auditlog.client.AuditClient;
import dev.auditlog.client.verify.InclusionReceipt;
import dev.auditlog.client.verify.ReceiptVerification;
import dev.auditlog.client.verify.ReceiptVerifier;
import dev.auditlog.integrity.Ed25519Keys;
import dev.auditlog.integrity.EntryFields;
import dev.auditlog.integrity.tlog.Note;
import dev.auditlog.integrity.tlog.NoteVerifier;
import dev.auditlog.integrity.tlog.TlogCheckpoint;
import dev.auditlog.integrity.tlog.TlogProof;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code audit prove (EVENT_ID | --seq N) [--tree-size N] [-o FILE]}: fetches an entry's
 * inclusion proof and writes an offline receipt (docs/receipt-format.md), a
 * c2sp.org/tlog-proof@v1 with the entry's canonical JSON as its extra data and the signed
 * checkpoint note. Before writing, checks that the receipt verifies with the key the server
 * sent: that catches a broken answer, not a lying server, which only {@code audit
 * verify-proof} with a verifier key obtained out of band does.
 */
@Command(name = "prove", mixinStandardHelpOptions = true, sortOptions = false,
    description = {
        "Write an offline receipt that the log holds an entry: a c2sp.org/tlog-proof@v1 with"
            + " the entry, its inclusion proof and the signed checkpoint (docs/receipt-format.md).",
        "Check it anywhere with 'audit verify-proof FILE --verifier-key VKEY'.",
        "Reads as certs-dev/auditor.* unless --cert/--key say otherwise."})
final class ProveCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin Connection connection;
  @Mixin LogOption log;

  @Parameters(index = "0", arity = "0..1", paramLabel = "EVENT_ID",
      description = "The entry's event id (or give --seq).")
  String eventId;

  @Option(names = "--seq", paramLabel = "N", description = "The entry's seq, instead of EVENT_ID.")
  Long seq;

  @Option(names = "--tree-size", defaultValue = "0", paramLabel = "N",
      description = "Prove against the signed checkpoint of this tree size; 0 (the default) for"
          + " the earliest checkpoint covering the entry (a fresh one if none does yet).")
  long treeSize;

  @Option(names = {"-o", "--output"}, paramLabel = "FILE",
      description = "Write the receipt here (e.g. entry.tlog-proof); else to standard output.")
  Path output;

  @Override
  public Integer call() throws IOException {
    GetInclusionProofResponse r;
    try (AuditClient client = connection.connect("auditor")) {
      r = client.inclusionProof(request());
    }
    Checkpoint c = r.getCheckpoint();
    if (!r.hasCheckpoint() || c.getNote().isEmpty()) {
      throw new IllegalArgumentException("no signed checkpoint note of tree size "
          + r.getTreeSize() + " is stored: give --tree-size 0, or the size of a checkpoint");
    }
    Note note;
    try {
      note = Note.parse(c.getNote());
    } catch (IllegalArgumentException e) {
      throw new IllegalStateException("the server's checkpoint note is malformed: "
          + e.getMessage(), e);
    }
    NoteVerifier served = servedKey(note, c);
    TlogProof receipt = receipt(r, note, served);
    write(receipt.format());
    spec.commandLine().getErr().println("audit: receipt of seq " + r.getEntry().getSeq()
        + " (event " + r.getEntry().getEventId() + "), leaf " + r.getLeafIndex()
        + " of the tree of size " + r.getTreeSize() + " of log '" + served.name() + "'"
        + (output == null ? "" : ", to " + output) + "; check it with: audit verify-proof"
        + " FILE --verifier-key " + served.verifierKey()
        + " (that key came from the server: compare it with one obtained out of band)");
    return ExitCodes.OK;
  }

  private GetInclusionProofRequest request() {
    if ((eventId == null) == (seq == null)) {
      throw new IllegalArgumentException("name the entry: an EVENT_ID or --seq N, not both");
    }
    if (seq != null && seq < 1 || treeSize < 0) {
      throw new IllegalArgumentException("--seq must be >= 1 and --tree-size >= 0, got "
          + seq + " and " + treeSize);
    }
    GetInclusionProofRequest.Builder b = GetInclusionProofRequest.newBuilder()
        .setTreeSize(treeSize).setLogId(log.id());
    return (eventId != null ? b.setEventId(eventId) : b.setSeq(seq)).build();
  }

  /** The receipt, checked against the key the server says it signs with. */
  private static TlogProof receipt(GetInclusionProofResponse r, Note note,
      NoteVerifier served) {
    List<byte[]> proof = new ArrayList<>(r.getHashesCount());
    r.getHashesList().forEach(h -> proof.add(h.toByteArray()));
    TlogProof receipt = InclusionReceipt.of(EntryFields.of(r.getEntry()), proof, note);
    ReceiptVerification v = new ReceiptVerifier(served, List.of(), 0)
        .verify(receipt.format(), null);
    if (!v.ok()) {
      throw new IllegalStateException("the server's proof does not verify: " + v);
    }
    return receipt;
  }

  /** The verifier key of the note's origin with the public key the server sent. */
  private static NoteVerifier servedKey(Note note, Checkpoint c) {
    try {
      return new NoteVerifier(TlogCheckpoint.parse(note.text()).origin(),
          Ed25519Keys.publicKey(c.getPublicKey().toByteArray()));
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      throw new IllegalStateException("the server's checkpoint has no Ed25519 public key or"
          + " no origin that names it: " + e.getMessage(), e);
    }
  }

  private void write(String text) throws IOException {
    if (output == null) {
      spec.commandLine().getOut().print(text);
      spec.commandLine().getOut().flush();
      return;
    }
    Path partial = Files.createTempFile(output.toAbsolutePath().getParent(),
        output.getFileName().toString(), ".partial");
    try {
      Files.writeString(partial, text, StandardCharsets.UTF_8);
      Files.move(partial, output, StandardCopyOption.REPLACE_EXISTING,
          StandardCopyOption.ATOMIC_MOVE);
    } finally {
      Files.deleteIfExists(partial);
    }
  }
}
