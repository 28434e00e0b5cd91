package dev.auditlog.client.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.auditlog.client.verify.ExportLine.CheckpointLine;
import dev.auditlog.client.verify.ExportLine.EntryLine;
import dev.auditlog.client.verify.ExportLine.Header;
import dev.auditlog.integrity.Ed25519Keys;
import dev.auditlog.integrity.ExportFormat;
import dev.auditlog.integrity.tlog.NoteVerifier;
import dev.auditlog.server.AuditServerExtension;
import java.io.BufferedReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The sample exports in {@code docs/test-vectors}: {@code export-v1.jsonl}, written by Python
 * from the entry-hash vectors with an openssl signature, and {@code export-v2.jsonl}, the same
 * entries with the Merkle tree (the checkpoint's root and note signed by openssl too). The
 * Java verifier accepts them and the Java writer reproduces every line byte for byte.
 */
class ExportVectorsTest {
  private static final Path V1 =
      AuditServerExtension.SIGNING_PUBLIC_KEY.resolveSibling("export-v1.jsonl");
  private static final Path V2 =
      AuditServerExtension.SIGNING_PUBLIC_KEY.resolveSibling("export-v2.jsonl");
  private static final String VKEY =
      "localhost/audit/default+ee82770f+AbexrE+nwNXh+xZqw8tEXUKtChgs+o6A165UM7R49G6S";

  @ParameterizedTest
  @ValueSource(strings = {"export-v1.jsonl", "export-v2.jsonl"})
  void sampleExport_verifiesWithTheTestKey(String name) throws Exception {
    Path file = AuditServerExtension.SIGNING_PUBLIC_KEY.resolveSibling(name);
    try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      Verification v =
          ExportVerifier.verify(in, Ed25519Keys.readPublicKey(AuditServerExtension.SIGNING_PUBLIC_KEY));

      assertTrue(v.ok(), v.toString());
      assertEquals(8, v.entries());
    }
  }

  @Test
  void version2Sample_verifiesWithTheVerifierKeyAlone() throws Exception {
    NoteVerifier vkey = NoteVerifier.parse(VKEY);
    try (BufferedReader in = Files.newBufferedReader(V2, StandardCharsets.UTF_8)) {
      Verification v = ExportVerifier.verify(in, vkey.publicKey(),
          Expected.fromStart().withVerifierKey(vkey));

      assertTrue(v.ok(), v.toString());
      assertTrue(v.message().contains("chain and Merkle tree match"), v.message());
    }
  }

  @Test
  void version2Sample_hasTheVersion1EntriesAndTheCheckpointOfTheVectors() throws Exception {
    List<String> v1 = lines(V1);
    List<String> v2 = lines(V2);

    assertEquals(v1.subList(1, 9), v2.subList(1, 9));
    JsonObject c = JsonParser.parseString(v2.get(9)).getAsJsonObject();
    JsonObject vector = JsonParser.parseString(Files.readString(
        V1.resolveSibling("checkpoint-v1.json"))).getAsJsonObject()
        .getAsJsonArray("tree_cases").get(1).getAsJsonObject();
    assertEquals(vector.get("note").getAsString(), c.get("note").getAsString());
    assertEquals(vector.get("signature").getAsString(), c.get("signature").getAsString());
    assertEquals(VKEY, vector.get("verifier_key").getAsString());
  }

  @ParameterizedTest
  @ValueSource(strings = {"export-v1.jsonl", "export-v2.jsonl"})
  void everyLine_isWhatExportFormatWrites(String name) throws Exception {
    for (String line : lines(AuditServerExtension.SIGNING_PUBLIC_KEY.resolveSibling(name))) {
      assertEquals(line, write(ExportLineParser.parse(line)));
    }
  }

  private static List<String> lines(Path file) throws Exception {
    String text = Files.readString(file, StandardCharsets.UTF_8);
    return List.of(text.substring(0, text.length() - 1).split("\n", -1));
  }

  private static String write(ExportLine line) {
    if (line instanceof Header h) {
      return h.version() == ExportFormat.VERSION_1
          ? ExportFormat.headerLine(h.logId(), h.fromSeq(), h.toSeq(), h.prevChainHash())
          : ExportFormat.headerLine(h.logId(), h.fromSeq(), h.toSeq(), h.prevChainHash(),
              h.leftFrontier());
    } else if (line instanceof EntryLine e) {
      return ExportFormat.entryLine(e.fields(), e.entryHash(), e.chainHash());
    }
    CheckpointLine c = (CheckpointLine) line;
    return ExportFormat.checkpointLine(c.payload(), c.keyId(), c.signature(), c.note());
  }
}
