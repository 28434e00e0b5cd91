package dev.auditlog.integrity.tlog;

import static dev.auditlog.integrity.tlog.GoTlogCheck.b64;
import static dev.auditlog.integrity.tlog.GoTlogCheck.lines;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.auditlog.integrity.Ed25519Keys;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Our notes and proofs judged by Go's {@code golang.org/x/mod/sumdb/note} and {@code
 * sumdb/tlog} (through {@link GoTlogCheck}), and Go's notes judged by ours. Skipped, saying
 * why, where the go tool or Debian's golang-golang-x-mod-dev is missing.
 */
class GoTlogInteropTest {
  private static final String ORIGIN = "example.com/auditlog/interop";
  private static final int SIZE = 1000;
  private static final ReferenceTree TREE = ReferenceTree.ofSize(SIZE);
  private static final NoteSigner LOG = new NoteSigner(ORIGIN, Ed25519Keys.generate().getPrivate());
  private static final long[][] INCLUSIONS = {
      {0, 1}, {0, 2}, {1, 2}, {2, 3}, {0, 1000}, {999, 1000}, {500, 1000}, {511, 512},
      {512, 513}, {123, 777}, {640, 999}, {767, 768}, {1, 1000}};
  private static final long[][] CONSISTENCIES = {
      {1, 2}, {1, 1000}, {3, 7}, {64, 65}, {500, 1000}, {512, 1000}, {511, 1000},
      {777, 1000}, {999, 1000}, {1000, 1000}, {6, 8}, {2, 5}};

  @TempDir static Path dir;
  private static Optional<String> unavailable;
  private static GoTlogCheck go;

  @BeforeAll
  static void buildTheGoChecker() throws IOException, InterruptedException {
    unavailable = GoTlogCheck.unavailable();
    if (unavailable.isPresent()) {
      System.err.println("GoTlogInteropTest skipped: " + unavailable.get());
      return;
    }
    go = GoTlogCheck.build(dir);
  }

  @BeforeEach
  void needsGo() {
    Assumptions.assumeTrue(unavailable.isEmpty(),
        () -> "Go interop skipped: " + unavailable.orElse(""));
  }

  @Test
  void goOpensOurSignedCheckpoint_withOurVerifierKey_andRefusesItTampered() {
    String text = new TlogCheckpoint(ORIGIN, SIZE, TREE.mth(0, SIZE)).body();
    String signed = LOG.sign(text);

    GoTlogCheck.Result ok = go.run(signed, "open", "-vkey", LOG.verifierKey());
    assertEquals(0, ok.exit(), ok.toString());
    assertEquals(text, ok.stdout());
    assertEquals(1, go.run(signed.replace("\n1000\n", "\n1001\n"), "open", "-vkey",
        LOG.verifierKey()).exit(), "tampered text");
    String otherKey = new NoteSigner(ORIGIN, Ed25519Keys.generate().getPrivate()).verifierKey();
    assertEquals(1, go.run(signed, "open", "-vkey", otherKey).exit(), "another key");
  }

  @Test
  void goOpensOurCosignedCheckpoint_withTheCosignersKeyAlone() {
    CosignatureSigner witness =
        new CosignatureSigner("witness.example/w1", Ed25519Keys.generate().getPrivate());
    String text = new TlogCheckpoint(ORIGIN, 7, TREE.mth(0, 7)).body();
    Note cosigned = witness.cosign(Note.parse(LOG.sign(text)), 1700000000L);

    GoTlogCheck.Result r = go.run(cosigned.format(), "open", "-vkey", witness.verifierKey());
    assertEquals(0, r.exit(), r.toString());
    assertEquals(1, go.run(witness.cosign(cosigned, 1700000001L).format()
        .replace("\n7\n", "\n8\n"), "open", "-vkey", witness.verifierKey()).exit());
  }

  @Test
  void goChecksOurInclusionProofs_in1000Leaves_andRefusesThemTampered() throws IOException {
    for (long[] c : INCLUSIONS) {
      long index = c[0];
      long size = c[1];
      List<byte[]> proof = Merkle.inclusionProof(index, size, TREE.reader(size));
      byte[] root = TREE.mth(0, (int) size);
      byte[] leaf = TREE.leafHash((int) index);
      String what = "inclusion " + index + " in " + size;

      GoTlogCheck.Result r = checkInclusion(index, size, root, leaf, proof);
      assertEquals(0, r.exit(), what + ": " + r);
      if (!proof.isEmpty()) {
        List<byte[]> bad = new ArrayList<>(proof);
        byte[] h = bad.get(proof.size() / 2).clone();
        h[5] ^= 0x40;
        bad.set(proof.size() / 2, h);
        assertEquals(1, checkInclusion(index, size, root, leaf, bad).exit(), what + " tampered");
        long other = index == 0 ? 1 : index - 1;
        assertEquals(1, checkInclusion(other, size, root, leaf, proof).exit(), what + " index");
      }
    }
  }

  @Test
  void goChecksOurConsistencyProofs_in1000Leaves_andRefusesThemTampered() throws IOException {
    for (long[] c : CONSISTENCIES) {
      long m = c[0];
      long n = c[1];
      List<byte[]> proof = Merkle.consistencyProof(m, n, TREE.reader(n));
      byte[] r1 = TREE.mth(0, (int) m);
      byte[] r2 = TREE.mth(0, (int) n);
      String what = "consistency " + m + " to " + n;

      GoTlogCheck.Result r = checkConsistency(m, n, r1, r2, proof);
      assertEquals(0, r.exit(), what + ": " + r);
      if (!proof.isEmpty()) {
        List<byte[]> bad = new ArrayList<>(proof);
        byte[] h = bad.get(0).clone();
        h[0] ^= 1;
        bad.set(0, h);
        assertEquals(1, checkConsistency(m, n, r1, r2, bad).exit(), what + " tampered");
        assertEquals(1, checkConsistency(m, n, r1, r2, proof.subList(1, proof.size())).exit(),
            what + " truncated");
      }
    }
  }

  @Test
  void goComputesOurRoots() {
    for (int size : new int[] {1, 2, 3, 255, 256, 257, 1000}) {
      GoTlogCheck.Result r = go.run(lines(TREE.leafHashes(0, size)), "tree-hash");
      assertEquals(0, r.exit(), r.toString());
      assertEquals(b64(Merkle.root(TREE.leafHashes(0, size))) + "\n", r.stdout(), "size " + size);
    }
  }

  @Test
  void goChecksOurTlogProof() throws IOException {
    Note checkpoint = Note.parse(LOG.sign(new TlogCheckpoint(ORIGIN, SIZE, TREE.mth(0, SIZE))
        .body()));
    TlogProof proof = new TlogProof(new byte[] {42}, 617,
        Merkle.inclusionProof(617, SIZE, TREE.reader(SIZE)), checkpoint);
    String leaf = b64(TREE.leafHash(617));

    GoTlogCheck.Result r = go.run(proof.format(), "check-tlog-proof", "-vkey",
        LOG.verifierKey(), "-origin", ORIGIN, "-leaf", leaf);
    assertEquals(0, r.exit(), r.toString());
    assertEquals(1, go.run(proof.format(), "check-tlog-proof", "-vkey", LOG.verifierKey(),
        "-origin", ORIGIN, "-leaf", b64(TREE.leafHash(618))).exit());
  }

  @Test
  void ourVerifierAcceptsGosNote_andGosKeysParse() {
    String[] keys = go.run("", "genkey", "-name", ORIGIN).stdout().split("\n");
    String text = new TlogCheckpoint(ORIGIN, 3, TREE.mth(0, 3)).body();
    GoTlogCheck.Result signed = go.run(text, "sign", "-skey", keys[0]);
    assertEquals(0, signed.exit(), signed.toString());

    NoteVerifier verifier = NoteVerifier.parse(keys[1]);
    assertEquals(ORIGIN, verifier.name());
    assertEquals(keys[1], verifier.verifierKey());
    Note note = Note.parse(signed.stdout());
    assertTrue(verifier.verifies(note));
    assertEquals(signed.stdout(), note.format());
    assertEquals(signed.stdout(), NoteSigner.fromSignerKey(keys[0]).sign(text),
        "the same key gives Go's signature byte for byte");
  }

  @Test
  void badArguments_areUsageErrors() {
    assertEquals(2, go.run("", "no-such-command").exit());
    assertEquals(2, go.run("", "check-inclusion", "-root", "not base64").exit());
  }

  private static GoTlogCheck.Result checkInclusion(long index, long size, byte[] root,
      byte[] leaf, List<byte[]> proof) {
    return go.run(lines(proof), "check-inclusion", "-index", Long.toString(index),
        "-size", Long.toString(size), "-root", b64(root), "-leaf", b64(leaf));
  }

  private static GoTlogCheck.Result checkConsistency(long m, long n, byte[] r1, byte[] r2,
      List<byte[]> proof) {
    return go.run(lines(proof), "check-consistency", "-old", Long.toString(m),
        "-new", Long.toString(n), "-old-root", b64(r1), "-new-root", b64(r2));
  }
}
