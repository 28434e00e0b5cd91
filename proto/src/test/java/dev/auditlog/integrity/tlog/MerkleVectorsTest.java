package dev.auditlog.integrity.tlog;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@link Merkle} against the RFC 6962 test tree of Certificate Transparency, as embedded in
 * {@code rfc6962-vectors.json} (its {@code source} member names where each value comes from).
 */
class MerkleVectorsTest {
  private static final HexFormat HEX = HexFormat.of();
  private static final JsonObject V = load();
  private static final ReferenceTree TREE = ReferenceTree.ofInputs(hexList(V.getAsJsonArray("leaves")));

  @Test
  void emptyRootAndLeafHashes_matchTheHasherVectors() {
    assertArrayEquals(hex(V.get("empty_root")), Merkle.emptyRoot());
    assertArrayEquals(hex(V.get("empty_root")), Merkle.root(List.of()));
    for (JsonElement e : V.getAsJsonArray("leaf_hashes")) {
      JsonObject c = e.getAsJsonObject();
      assertArrayEquals(hex(c.get("hash")), Merkle.leafHash(hex(c.get("input"))));
    }
  }

  @Test
  void rootsOfSizes1To8_matchTheTestTree() {
    JsonArray roots = V.getAsJsonArray("roots");
    List<byte[]> leafHashes = new ArrayList<>();
    for (byte[] input : hexList(V.getAsJsonArray("leaves"))) {
      leafHashes.add(Merkle.leafHash(input));
    }
    for (int n = 1; n <= 8; n++) {
      byte[] want = hex(roots.get(n - 1));
      assertArrayEquals(want, Merkle.root(leafHashes.subList(0, n)), "size " + n);
      assertArrayEquals(want, TREE.mth(0, n), "the reference tree, size " + n);
    }
  }

  @Test
  void inclusionProofs_matchTheVectorsAndVerify() throws IOException {
    JsonArray roots = V.getAsJsonArray("roots");
    for (JsonElement e : V.getAsJsonArray("inclusion")) {
      JsonObject c = e.getAsJsonObject();
      long index = c.get("index").getAsLong();
      long size = c.get("size").getAsLong();
      List<byte[]> want = hexList(c.getAsJsonArray("proof"));
      List<byte[]> got = Merkle.inclusionProof(index, size, TREE.reader(size));
      assertHashes(want, got, "inclusion " + index + " in " + size);
      assertTrue(Merkle.verifyInclusion(index, size, TREE.leafHash((int) index), want,
          hex(roots.get((int) size - 1))), "inclusion " + index + " in " + size);
    }
  }

  @Test
  void consistencyProofs_matchTheVectorsAndVerify() throws IOException {
    JsonArray roots = V.getAsJsonArray("roots");
    for (JsonElement e : V.getAsJsonArray("consistency")) {
      JsonObject c = e.getAsJsonObject();
      long m = c.get("old_size").getAsLong();
      long n = c.get("new_size").getAsLong();
      List<byte[]> want = hexList(c.getAsJsonArray("proof"));
      assertHashes(want, Merkle.consistencyProof(m, n, TREE.reader(n)), m + " to " + n);
      assertTrue(Merkle.verifyConsistency(m, n, hex(roots.get((int) m - 1)),
          hex(roots.get((int) n - 1)), want), m + " to " + n);
    }
  }

  static void assertHashes(List<byte[]> want, List<byte[]> got, String what) {
    assertEquals(want.size(), got.size(), what + ": proof length");
    for (int i = 0; i < want.size(); i++) {
      assertArrayEquals(want.get(i), got.get(i), what + ": hash " + i);
    }
  }

  private static byte[] hex(JsonElement e) {
    return HEX.parseHex(e.getAsString());
  }

  private static List<byte[]> hexList(JsonArray a) {
    List<byte[]> out = new ArrayList<>();
    a.forEach(e -> out.add(hex(e)));
    return out;
  }

  private static JsonObject load() {
    try (InputStream in = MerkleVectorsTest.class.getResourceAsStream("rfc6962-vectors.json")) {
      return JsonParser.parseReader(new InputStreamReader(in, StandardCharsets.UTF_8))
          .getAsJsonObject();
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }
}
