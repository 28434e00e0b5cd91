package dev.auditlog.integrity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The header and checkpoint lines of both versions, in canonical form. */
class ExportFormatTest {
  private static final String A = "ab".repeat(32);
  private static final String B = "cd".repeat(32);
  private static final String ZEROS = "0".repeat(64);

  @Test
  void version1Header_hasExactlyTheVersion1Members() {
    assertEquals("{\"format\":\"audit-export\",\"from_seq\":1,\"log_id\":\"default\","
        + "\"prev_chain_hash\":\"" + ZEROS + "\",\"to_seq\":8,\"type\":\"header\",\"version\":1}",
        ExportFormat.headerLine("default", 1, 8, ZEROS));
  }

  @Test
  void version2Header_carriesTheLeftFrontierInItsSortedPlace() {
    List<byte[]> frontier = List.of(HexFormat.of().parseHex(A), HexFormat.of().parseHex(B));

    assertEquals("{\"format\":\"audit-export\",\"from_seq\":4,\"left_frontier\":[\"" + A + "\",\""
        + B + "\"],\"log_id\":\"a\\\"b\",\"prev_chain_hash\":\"" + ZEROS + "\",\"to_seq\":8,"
        + "\"type\":\"header\",\"version\":2}",
        ExportFormat.headerLine("a\"b", 4, 8, ZEROS, frontier));
  }

  @Test
  void version2Header_fromSeq1_hasAnEmptyFrontier() {
    assertEquals("{\"format\":\"audit-export\",\"from_seq\":1,\"left_frontier\":[],"
        + "\"log_id\":\"default\",\"prev_chain_hash\":\"" + ZEROS + "\",\"to_seq\":0,"
        + "\"type\":\"header\",\"version\":2}",
        ExportFormat.headerLine("default", 1, 0, ZEROS, List.of()));
  }

  @Test
  void version2Header_withAShortFrontierHash_isRefused() {
    assertThrows(IllegalArgumentException.class,
        () -> ExportFormat.headerLine("default", 2, 8, ZEROS, List.of(new byte[31])));
  }

  @Test
  void checkpointWithARoot_carriesTreeSizeRootAndNote() {
    CheckpointPayload p = new CheckpointPayload("default", 8, B, "2026-11-23T10:00:01.000000Z", A);
    String note = "localhost/audit/default\n8\nq6s=\n\n\u2014 localhost/audit/default AAAAAAA=\n";

    assertEquals("{\"chain_hash\":\"" + B + "\",\"key_id\":\"k\",\"log_id\":\"default\","
        + "\"merkle_root\":\"" + A + "\",\"note\":\"localhost/audit/default\\n8\\nq6s=\\n\\n"
        + "\u2014 localhost/audit/default AAAAAAA=\\n\",\"recorded_at\":"
        + "\"2026-11-23T10:00:01.000000Z\",\"seq\":8,\"signature\":\"AQI=\",\"tree_size\":8,"
        + "\"type\":\"checkpoint\"}",
        ExportFormat.checkpointLine(p, "k", new byte[] {1, 2}, note));
  }

  @Test
  void checkpointLine_noteAndRootGoTogether() {
    CheckpointPayload withRoot = new CheckpointPayload("d", 1, B, "2026-11-23T10:00:01.000000Z", A);
    CheckpointPayload without = new CheckpointPayload("d", 1, B, "2026-11-23T10:00:01.000000Z");

    assertThrows(IllegalArgumentException.class,
        () -> ExportFormat.checkpointLine(withRoot, "k", new byte[64]));
    assertThrows(IllegalArgumentException.class,
        () -> ExportFormat.checkpointLine(without, "k", new byte[64], "note\n"));
  }
}
