package dev.auditlog.integrity;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.auditlog.integrity.tlog.Merkle;
import dev.auditlog.integrity.tlog.Note;
import dev.auditlog.integrity.tlog.NoteSigner;
import dev.auditlog.integrity.tlog.NoteVerifier;
import dev.auditlog.integrity.tlog.TlogCheckpoint;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Checks {@link CheckpointPayload} and {@link Ed25519Keys} against {@code
 * docs/test-vectors/checkpoint-v1.json}, whose signatures openssl made with the test key;
 * its tree cases also against the Merkle tree and the signed note of the same checkpoint.
 */
class CheckpointVectorsTest {
  private static final Path DIR = vectorsDir();
  private static final JsonObject VECTORS = load("checkpoint-v1.json");

  @TestFactory
  Stream<DynamicTest> everyCase_hasCanonicalJsonAndOpensslSignature() throws Exception {
    KeyPair pair = Ed25519Keys.readKeyPair(DIR.resolve("checkpoint-test-key.pem"));
    List<JsonObject> cases = new ArrayList<>();
    VECTORS.getAsJsonArray("cases").forEach(c -> cases.add(c.getAsJsonObject()));
    return cases.stream().map(c -> DynamicTest.dynamicTest(c.get("name").getAsString(), () -> {
      CheckpointPayload payload = payload(c.getAsJsonObject("checkpoint"));
      byte[] signature = Base64.getDecoder().decode(c.get("signature").getAsString());
      assertEquals(c.get("canonical_json").getAsString(), payload.canonicalJson());
      assertArrayEquals(signature, payload.sign(pair.getPrivate()), "Ed25519 is deterministic");
      assertTrue(payload.verify(pair.getPublic(), signature));
    }));
  }

  @TestFactory
  Stream<DynamicTest> everyReceiptCase_hasCanonicalJsonAndOpensslSignature() throws Exception {
    KeyPair pair = Ed25519Keys.readKeyPair(DIR.resolve("checkpoint-test-key.pem"));
    List<JsonObject> cases = new ArrayList<>();
    VECTORS.getAsJsonArray("receipt_cases").forEach(c -> cases.add(c.getAsJsonObject()));
    return cases.stream().map(c -> DynamicTest.dynamicTest(c.get("name").getAsString(), () -> {
      JsonObject r = c.getAsJsonObject("receipt");
      ReceiptPayload payload = new ReceiptPayload(r.get("log_id").getAsString(),
          r.get("seq").getAsLong(), r.get("entry_hash").getAsString(),
          r.get("chain_hash").getAsString());
      byte[] signature = Base64.getDecoder().decode(c.get("signature").getAsString());
      assertEquals(c.get("canonical_json").getAsString(), payload.canonicalJson());
      assertArrayEquals(signature, payload.sign(pair.getPrivate()));
      assertTrue(payload.verify(pair.getPublic(), signature));
    }));
  }

  @TestFactory
  Stream<DynamicTest> everyTreeCase_hasCanonicalJsonOpensslSignatureAndNote() throws Exception {
    KeyPair pair = Ed25519Keys.readKeyPair(DIR.resolve("checkpoint-test-key.pem"));
    List<JsonObject> cases = new ArrayList<>();
    VECTORS.getAsJsonArray("tree_cases").forEach(c -> cases.add(c.getAsJsonObject()));
    return cases.stream().map(c -> DynamicTest.dynamicTest(c.get("name").getAsString(), () -> {
      JsonObject o = c.getAsJsonObject("checkpoint");
      CheckpointPayload payload = payload(o);
      byte[] signature = Base64.getDecoder().decode(c.get("signature").getAsString());
      assertEquals(o.get("seq").getAsLong(), o.get("tree_size").getAsLong());
      assertEquals(c.get("canonical_json").getAsString(), payload.canonicalJson());
      assertArrayEquals(signature, payload.sign(pair.getPrivate()), "Ed25519 is deterministic");
      assertTrue(payload.verify(pair.getPublic(), signature));
      assertFalse(new CheckpointPayload(payload.logId(), payload.seq(), payload.chainHash(),
          payload.recordedAt()).verify(pair.getPublic(), signature), "the root is signed");

      String origin = c.get("origin").getAsString();
      NoteSigner signer = new NoteSigner(origin, pair.getPrivate());
      Note note = Note.parse(c.get("note").getAsString());
      TlogCheckpoint body = TlogCheckpoint.parse(note.text());
      assertEquals(c.get("verifier_key").getAsString(), signer.verifierKey());
      assertEquals(c.get("note").getAsString(), signer.sign(note.text()));
      assertTrue(NoteVerifier.parse(c.get("verifier_key").getAsString()).verifies(note));
      assertEquals(payload.treeSize(), body.size());
      assertEquals(payload.merkleRoot(), HexFormat.of().formatHex(body.rootHash()));
      assertEquals(payload.merkleRoot(), HexFormat.of().formatHex(
          Merkle.root(leafHashes(payload.seq()))), "the root of the entry-hash vectors' chain");
    }));
  }

  @Test
  void publicKeyFile_isTheOneDerivedFromThePrivateKey_withTheVectorsKeyId() throws Exception {
    KeyPair pair = Ed25519Keys.readKeyPair(DIR.resolve("checkpoint-test-key.pem"));
    PublicKey published = Ed25519Keys.readPublicKey(DIR.resolve("checkpoint-test-key.pub.pem"));

    assertArrayEquals(published.getEncoded(), pair.getPublic().getEncoded());
    assertEquals(VECTORS.get("key_id").getAsString(), Ed25519Keys.keyId(published));
    assertEquals(VECTORS.get("public_key_pem").getAsString(), Ed25519Keys.publicPem(published));
  }

  @Test
  void signature_withAnyMemberChanged_doesNotVerify() throws Exception {
    PublicKey key = Ed25519Keys.readPublicKey(DIR.resolve("checkpoint-test-key.pub.pem"));
    JsonObject c = VECTORS.getAsJsonArray("cases").get(0).getAsJsonObject();
    CheckpointPayload p = payload(c.getAsJsonObject("checkpoint"));
    byte[] signature = Base64.getDecoder().decode(c.get("signature").getAsString());

    assertFalse(new CheckpointPayload("other", p.seq(), p.chainHash(), p.recordedAt())
        .verify(key, signature));
    assertFalse(new CheckpointPayload(p.logId(), p.seq() - 1, p.chainHash(), p.recordedAt())
        .verify(key, signature));
    assertFalse(new CheckpointPayload(p.logId(), p.seq(), EntryHasher.GENESIS_CHAIN_HASH,
        p.recordedAt()).verify(key, signature));
    assertFalse(new CheckpointPayload(p.logId(), p.seq(), p.chainHash(),
        "2026-11-23T09:16:00.000001Z").verify(key, signature));
  }

  @Test
  void generatedKeyPair_roundTripsThroughPem() throws Exception {
    KeyPair pair = Ed25519Keys.generate();
    Path dir = Files.createTempDirectory("keys");
    Path priv = Files.writeString(dir.resolve("k.pem"), Ed25519Keys.privatePem(pair.getPrivate()));
    Path pub = Files.writeString(dir.resolve("k.pub.pem"), Ed25519Keys.publicPem(pair.getPublic()));

    KeyPair read = Ed25519Keys.readKeyPair(priv);

    assertArrayEquals(pair.getPublic().getEncoded(), read.getPublic().getEncoded());
    assertArrayEquals(pair.getPublic().getEncoded(), Ed25519Keys.readPublicKey(pub).getEncoded());
  }

  static CheckpointPayload payload(JsonObject o) {
    return new CheckpointPayload(o.get("log_id").getAsString(), o.get("seq").getAsLong(),
        o.get("chain_hash").getAsString(), o.get("recorded_at").getAsString(),
        o.has("merkle_root") ? o.get("merkle_root").getAsString() : null);
  }

  /** The leaf hashes of the first {@code n} entries of entry-hash-v1.json. */
  private static List<byte[]> leafHashes(long n) {
    List<byte[]> leaves = new ArrayList<>();
    JsonArray chain = load("entry-hash-v1.json").getAsJsonArray("cases");
    for (int i = 0; i < n; i++) {
      String entryHash = chain.get(i).getAsJsonObject().get("entry_hash").getAsString();
      leaves.add(Merkle.leafHash(HexFormat.of().parseHex(entryHash)));
    }
    return leaves;
  }

  private static JsonObject load(String name) {
    try {
      return JsonParser.parseString(Files.readString(DIR.resolve(name))).getAsJsonObject();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private static Path vectorsDir() {
    Path here = Path.of("").toAbsolutePath();
    for (Path p = here; p != null; p = p.getParent()) {
      if (Files.isDirectory(p.resolve("docs/test-vectors"))) {
        return p.resolve("docs/test-vectors");
      }
    }
    throw new IllegalStateException("docs/test-vectors not found above " + here);
  }
}
