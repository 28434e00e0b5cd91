package dev.auditlog.server.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.auditlog.api.v1.AppendBatchRequest;
import dev.auditlog.api.v1.AuditLogGrpc.AuditLogBlockingStub;
import dev.auditlog.api.v1.Checkpoint;
import dev.auditlog.api.v1.GetCheckpointRequest;
import dev.auditlog.api.v1.GetConsistencyProofRequest;
import dev.auditlog.api.v1.GetConsistencyProofResponse;
import dev.auditlog.api.v1.GetInclusionProofRequest;
import dev.auditlog.api.v1.GetInclusionProofResponse;
import dev.auditlog.integrity.Ed25519Keys;
import dev.auditlog.integrity.tlog.GoTlogCheck;
import dev.auditlog.integrity.tlog.NoteVerifier;
import dev.auditlog.server.AuditServerExtension;
import dev.auditlog.server.Events;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A verifier that is not ours judges what the real server hands out over mutual TLS: Go's
 * {@code golang.org/x/mod/sumdb/note} opens the checkpoint notes with the log's verifier
 * key, and {@code sumdb/tlog} checks inclusion proofs ({@code CheckRecord}, the leaf hashed
 * by Go from the entry hash) and consistency proofs ({@code CheckTree}). Skipped when Go or
 * Debian's golang-golang-x-mod-dev is missing; {@code .ci/run} installs both.
 */
class GoVerifierIT {
  private static final String ORIGIN = "localhost/audit/default";
  private static final GetCheckpointRequest FRESH =
      GetCheckpointRequest.newBuilder().setFresh(true).build();

  @TempDir
  static Path dir;

  private static GoTlogCheck go;

  @RegisterExtension
  final AuditServerExtension server = AuditServerExtension.mutualTls();

  @BeforeAll
  static void buildTheGoChecker() throws Exception {
    Assumptions.assumeTrue(GoTlogCheck.unavailable().isEmpty(),
        () -> "Go checker unavailable: " + GoTlogCheck.unavailable().orElse(""));
    go = GoTlogCheck.build(dir);
  }

  private void append(int n) {
    AuditLogBlockingStub backend = server.stub("auth-backend");
    for (int done = 0; done < n; done += 100) {
      AppendBatchRequest.Builder b = AppendBatchRequest.newBuilder();
      for (int i = 0; i < Math.min(100, n - done); i++) {
        b.addEvents(Events.registrationFailure());
      }
      backend.appendBatch(b.build());
    }
  }

  private static String verifierKey() throws Exception {
    return new NoteVerifier(ORIGIN,
        Ed25519Keys.readPublicKey(AuditServerExtension.SIGNING_PUBLIC_KEY)).verifierKey();
  }

  private static String b64(String hex) {
    return GoTlogCheck.b64(HexFormat.of().parseHex(hex));
  }

  private static List<byte[]> hashes(List<ByteString> proof) {
    List<byte[]> hashes = new ArrayList<>();
    proof.forEach(h -> hashes.add(h.toByteArray()));
    return hashes;
  }

  @Test
  void goOpensTheNotes_andAcceptsTheInclusionAndConsistencyProofs() throws Exception {
    AuditLogBlockingStub auditor = server.stub("auditor");
    append(400);
    Checkpoint old = auditor.getCheckpoint(FRESH).getCheckpoint();
    append(613);
    Checkpoint now = auditor.getCheckpoint(FRESH).getCheckpoint();

    for (Checkpoint c : List.of(old, now)) {
      GoTlogCheck.Result opened = go.run(c.getNote(), "open", "-vkey", verifierKey());
      assertEquals(0, opened.exit(), opened.toString());
      assertEquals(ORIGIN + "\n" + c.getTreeSize() + "\n" + b64(c.getMerkleRoot()) + "\n",
          opened.stdout());
    }

    for (long seq : new long[] {1, 256, 257, 400, 401, 999, 1013}) {
      GetInclusionProofResponse p = auditor.getInclusionProof(GetInclusionProofRequest
          .newBuilder().setSeq(seq).setTreeSize(1013).build());
      GoTlogCheck.Result checked = go.run(GoTlogCheck.lines(hashes(p.getHashesList())),
          "check-inclusion", "-index", String.valueOf(seq - 1), "-size", "1013",
          "-root", b64(now.getMerkleRoot()), "-record", b64(p.getEntry().getEntryHash()));
      assertEquals(0, checked.exit(), "seq " + seq + ": " + checked);
    }

    GetConsistencyProofResponse consistency = auditor.getConsistencyProof(
        GetConsistencyProofRequest.newBuilder().setOldSize(400).setNewSize(1013).build());
    GoTlogCheck.Result tree = go.run(GoTlogCheck.lines(hashes(consistency.getHashesList())),
        "check-consistency", "-old", "400", "-new", "1013",
        "-old-root", b64(old.getMerkleRoot()), "-new-root", b64(now.getMerkleRoot()));
    assertEquals(0, tree.exit(), tree.toString());
  }

  @Test
  void goRefuses_aProofOfAnotherEntry_andANoteUnderAnotherKey() throws Exception {
    AuditLogBlockingStub auditor = server.stub("auditor");
    append(300);
    Checkpoint c = auditor.getCheckpoint(FRESH).getCheckpoint();
    GetInclusionProofResponse p = auditor.getInclusionProof(
        GetInclusionProofRequest.newBuilder().setSeq(7).build());
    GetInclusionProofResponse other = auditor.getInclusionProof(
        GetInclusionProofRequest.newBuilder().setSeq(8).build());

    GoTlogCheck.Result wrongEntry = go.run(GoTlogCheck.lines(hashes(p.getHashesList())),
        "check-inclusion", "-index", "6", "-size", "300", "-root", b64(c.getMerkleRoot()),
        "-record", b64(other.getEntry().getEntryHash()));
    String otherKey = new NoteVerifier(ORIGIN, Ed25519Keys.generate().getPublic()).verifierKey();
    GoTlogCheck.Result wrongKey = go.run(c.getNote(), "open", "-vkey", otherKey);

    assertEquals(1, wrongEntry.exit(), wrongEntry.toString());
    assertTrue(wrongKey.exit() != 0, wrongKey.toString());
  }
}
