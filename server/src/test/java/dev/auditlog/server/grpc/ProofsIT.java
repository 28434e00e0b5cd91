package dev.auditlog.server.grpc;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.auditlog.api.v1.AppendBatchRequest;
import dev.auditlog.api.v1.AppendResult;
import dev.auditlog.api.v1.AuditLogGrpc.AuditLogBlockingStub;
import dev.auditlog.api.v1.Checkpoint;
import dev.auditlog.api.v1.ExportHeader;
import dev.auditlog.api.v1.ExportRequest;
import dev.auditlog.api.v1.ExportResponse;
import dev.auditlog.api.v1.GetCheckpointRequest;
import dev.auditlog.api.v1.GetConsistencyProofRequest;
import dev.auditlog.api.v1.GetConsistencyProofResponse;
import dev.auditlog.api.v1.GetInclusionProofRequest;
import dev.auditlog.api.v1.GetInclusionProofResponse;
import dev.auditlog.integrity.Ed25519Keys;
import dev.auditlog.integrity.EntryHasher;
import dev.auditlog.integrity.tlog.Merkle;
import dev.auditlog.integrity.tlog.Note;
import dev.auditlog.integrity.tlog.NoteVerifier;
import dev.auditlog.server.AuditServerExtension;
import dev.auditlog.server.Events;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Inclusion and consistency proofs and range exports over real mutual TLS and PostgreSQL,
 * checked as a client would: against the signed checkpoint's root with the RFC 9162
 * verification, never trusting the server's word.
 */
class ProofsIT {
  private static final GetCheckpointRequest FRESH =
      GetCheckpointRequest.newBuilder().setFresh(true).build();

  @RegisterExtension
  final AuditServerExtension server = AuditServerExtension.mutualTls();

  private AuditLogBlockingStub backend;
  private AuditLogBlockingStub auditor;
  private final List<String> eventIds = new ArrayList<>();

  @BeforeEach
  void stubs() {
    backend = server.stub("auth-backend");
    auditor = server.stub("auditor");
  }

  private void append(int n) {
    for (int done = 0; done < n; done += 100) {
      AppendBatchRequest.Builder b = AppendBatchRequest.newBuilder();
      for (int i = 0; i < Math.min(100, n - done); i++) {
        var event = Events.registrationFailure();
        eventIds.add(event.getEventId());
        b.addEvents(event);
      }
      for (AppendResult r : backend.appendBatch(b.build()).getResultsList()) {
        assertTrue(r.hasAppended(), r.toString());
      }
    }
  }

  private static byte[] root(Checkpoint c) {
    return HexFormat.of().parseHex(c.getMerkleRoot());
  }

  private static List<byte[]> hashes(List<ByteString> proof) {
    return proof.stream().map(ByteString::toByteArray).toList();
  }

  @Test
  void inclusionProof_bySeqAndByEventId_verifiesAgainstTheSignedRoot() throws Exception {
    append(700);
    Checkpoint checkpoint = auditor.getCheckpoint(FRESH).getCheckpoint();
    NoteVerifier log = new NoteVerifier("localhost/audit/default",
        Ed25519Keys.readPublicKey(AuditServerExtension.SIGNING_PUBLIC_KEY));
    assertTrue(log.verifies(Note.parse(checkpoint.getNote())), "signed with the server's key");

    for (long seq : new long[] {1, 2, 255, 256, 257, 511, 699, 700}) {
      GetInclusionProofResponse p = auditor.getInclusionProof(
          GetInclusionProofRequest.newBuilder().setSeq(seq).build());

      assertEquals(seq, p.getEntry().getSeq());
      assertEquals(seq - 1, p.getLeafIndex());
      assertEquals(700, p.getTreeSize(), "the earliest checkpoint that covers it");
      assertEquals(checkpoint.getMerkleRoot(), p.getCheckpoint().getMerkleRoot());
      byte[] leaf = Merkle.leafHash(HexFormat.of().parseHex(
          EntryHasher.entryHash(p.getEntry())));
      assertTrue(Merkle.verifyInclusion(seq - 1, 700, leaf, hashes(p.getHashesList()),
          root(checkpoint)), "seq " + seq);
    }
    GetInclusionProofResponse byId = auditor.getInclusionProof(
        GetInclusionProofRequest.newBuilder().setEventId(eventIds.get(41)).build());
    assertEquals(42, byId.getEntry().getSeq());
    assertEquals(eventIds.get(41), byId.getEntry().getEventId());
  }

  @Test
  void inclusionProof_againstAnOlderCheckpoint_andTamperedProofsFail() {
    append(300);
    Checkpoint old = auditor.getCheckpoint(FRESH).getCheckpoint();
    append(300);
    auditor.getCheckpoint(FRESH);

    GetInclusionProofResponse p = auditor.getInclusionProof(GetInclusionProofRequest
        .newBuilder().setSeq(123).setTreeSize(300).build());

    assertEquals(300, p.getTreeSize());
    assertEquals(old, p.getCheckpoint());
    byte[] leaf = Merkle.leafHash(HexFormat.of().parseHex(p.getEntry().getEntryHash()));
    List<byte[]> proof = hashes(p.getHashesList());
    assertTrue(Merkle.verifyInclusion(122, 300, leaf, proof, root(old)));
    for (int i = 0; i < proof.size(); i++) {
      List<byte[]> tampered = new ArrayList<>(proof);
      byte[] h = tampered.get(i).clone();
      h[7] ^= 1;
      tampered.set(i, h);
      assertFalse(Merkle.verifyInclusion(122, 300, leaf, tampered, root(old)), "hash " + i);
    }
    assertFalse(Merkle.verifyInclusion(123, 300, leaf, proof, root(old)), "another index");
  }

  @Test
  void consistencyProof_betweenTwoCheckpoints_verifies() {
    append(257);
    Checkpoint first = auditor.getCheckpoint(FRESH).getCheckpoint();
    append(600);
    Checkpoint second = auditor.getCheckpoint(FRESH).getCheckpoint();

    GetConsistencyProofResponse p = auditor.getConsistencyProof(
        GetConsistencyProofRequest.newBuilder().setOldSize(257).build());

    assertEquals(857, p.getNewSize());
    assertEquals(first, p.getOldCheckpoint());
    assertEquals(second, p.getNewCheckpoint());
    assertTrue(Merkle.verifyConsistency(257, 857, root(first), root(second),
        hashes(p.getHashesList())));
    GetConsistencyProofResponse unsigned = auditor.getConsistencyProof(
        GetConsistencyProofRequest.newBuilder().setOldSize(100).setNewSize(500).build());
    assertFalse(unsigned.hasOldCheckpoint());
    assertFalse(unsigned.hasNewCheckpoint());
    assertEquals(500, unsigned.getNewSize());
  }

  @Test
  void rangeExport_carriesTheFrontierThatGivesTheSignedRoot() {
    append(600);
    Iterator<ExportResponse> it =
        auditor.export(ExportRequest.newBuilder().setFromSeq(300).build());
    ExportHeader header = it.next().getHeader();
    List<byte[]> leaves = new ArrayList<>();
    Checkpoint checkpoint = null;
    while (it.hasNext()) {
      ExportResponse r = it.next();
      r.getEntriesList().forEach(e -> leaves.add(
          Merkle.leafHash(HexFormat.of().parseHex(EntryHasher.entryHash(e)))));
      if (r.hasCheckpoint()) {
        checkpoint = r.getCheckpoint();
      }
    }

    assertEquals(Long.bitCount(299), header.getLeftFrontierCount());
    assertArrayEquals(root(checkpoint),
        Merkle.rootFromFrontier(299, hashes(header.getLeftFrontierList()), leaves));
  }

  @Test
  void badRequests_nameTheField() {
    append(10);
    auditor.getCheckpoint(FRESH);

    assertInvalid("entry", GetInclusionProofRequest.getDefaultInstance());
    assertInvalid("seq", GetInclusionProofRequest.newBuilder().setSeq(0).build());
    assertInvalid("event_id", GetInclusionProofRequest.newBuilder().setEventId("x").build());
    assertInvalid("tree_size",
        GetInclusionProofRequest.newBuilder().setSeq(5).setTreeSize(4).build());
    assertStatus(Status.Code.OUT_OF_RANGE, "tree_size", () -> auditor.getInclusionProof(
        GetInclusionProofRequest.newBuilder().setSeq(5).setTreeSize(11).build()));
    assertStatus(Status.Code.NOT_FOUND, "seq", () -> auditor.getInclusionProof(
        GetInclusionProofRequest.newBuilder().setSeq(11).build()));
    assertStatus(Status.Code.NOT_FOUND, "event_id", () -> auditor.getInclusionProof(
        GetInclusionProofRequest.newBuilder()
            .setEventId("123e4567-e89b-12d3-a456-426614174000").build()));
    assertStatus(Status.Code.INVALID_ARGUMENT, "old_size", () -> auditor.getConsistencyProof(
        GetConsistencyProofRequest.newBuilder().setOldSize(0).build()));
    assertStatus(Status.Code.INVALID_ARGUMENT, "new_size", () -> auditor.getConsistencyProof(
        GetConsistencyProofRequest.newBuilder().setOldSize(5).setNewSize(4).build()));
    assertStatus(Status.Code.OUT_OF_RANGE, "new_size", () -> auditor.getConsistencyProof(
        GetConsistencyProofRequest.newBuilder().setOldSize(5).setNewSize(11).build()));
    assertStatus(Status.Code.PERMISSION_DENIED, "", () -> backend.getInclusionProof(
        GetInclusionProofRequest.newBuilder().setSeq(1).build()));
  }

  private void assertInvalid(String field, GetInclusionProofRequest request) {
    assertStatus(Status.Code.INVALID_ARGUMENT, field, () -> auditor.getInclusionProof(request));
  }

  private static void assertStatus(Status.Code code, String field, Runnable call) {
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, call::run);
    assertEquals(code, e.getStatus().getCode(), String.valueOf(e.getStatus()));
    assertTrue(String.valueOf(e.getStatus().getDescription()).startsWith(field),
        String.valueOf(e.getStatus()));
  }
}
