package dev.auditlog.integrity;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Checks {@link CheckpointPayload} and {@link Ed25519Keys} against {@code
 * docs/test-vectors/checkpoint-v1.json}, whose signatures openssl made with the test key.
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
        o.get("chain_hash").getAsString(), o.get("recorded_at").getAsString());
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
