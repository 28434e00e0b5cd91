package dev.auditlog.client.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.auditlog.client.verify.ExportLine.CheckpointLine;
import dev.auditlog.client.verify.ExportLine.EntryLine;
import dev.auditlog.client.verify.ExportLine.Header;
import dev.auditlog.integrity.Ed25519Keys;
import dev.auditlog.integrity.ExportFormat;
import dev.auditlog.server.AuditServerExtension;
import java.io.BufferedReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The sample export in {@code docs/test-vectors/export-v1.jsonl}, written by Python from the
 * entry-hash vectors with an openssl signature: the Java verifier accepts it and the Java
 * writer reproduces every line byte for byte.
 */
class ExportVectorsTest {
  private static final Path FILE =
      AuditServerExtension.SIGNING_PUBLIC_KEY.resolveSibling("export-v1.jsonl");

  @Test
  void sampleExport_verifiesWithTheTestKey() throws Exception {
    try (BufferedReader in = Files.newBufferedReader(FILE, StandardCharsets.UTF_8)) {
      Verification v = ExportVerifier.verify(in,
          Ed25519Keys.readPublicKey(AuditServerExtension.SIGNING_PUBLIC_KEY));

      assertTrue(v.ok(), v.toString());
      assertEquals(8, v.entries());
    }
  }

  @Test
  void everyLine_isWhatExportFormatWrites() throws Exception {
    String text = Files.readString(FILE, StandardCharsets.UTF_8);
    List<String> lines = List.of(text.substring(0, text.length() - 1).split("\n", -1));

    for (String line : lines) {
      assertEquals(line, write(ExportLineParser.parse(line)));
    }
  }

  private static String write(ExportLine line) {
    if (line instanceof Header h) {
      return ExportFormat.headerLine(h.logId(), h.fromSeq(), h.toSeq(), h.prevChainHash());
    } else if (line instanceof EntryLine e) {
      return ExportFormat.entryLine(e.fields(), e.entryHash(), e.chainHash());
    }
    CheckpointLine c = (CheckpointLine) line;
    return ExportFormat.checkpointLine(c.payload(), c.keyId(), c.signature());
  }
}
