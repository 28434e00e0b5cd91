package dev.auditlog.client;

import dev.auditlog.api.v1.Checkpoint;
import dev.auditlog.api.v1.Entry;
import dev.auditlog.api.v1.ExportHeader;
import dev.auditlog.api.v1.ExportResponse;
import dev.auditlog.integrity.CheckpointPayload;
import dev.auditlog.integrity.EntryFields;
import dev.auditlog.integrity.ExportFormat;
import java.io.IOException;
import java.io.Writer;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * Writes an Export stream as an export file (docs/export-format.md), version 2: a header
 * line with the left frontier of the Merkle tree, one line per entry, and the checkpoint
 * line, with its Merkle root and note when it has them, each ended by {@code \n}.
 * Streams: holds one message at a time. Checks only the stream's shape (header first,
 * checkpoint last); whether the content is intact is for {@code ExportVerifier} to say.
 */
public final class ExportWriter {
  private ExportWriter() {}

  /** What was written. */
  public record Summary(ExportHeader header, long entries, Checkpoint checkpoint) {}

  /**
   * Writes every message of {@code stream} to {@code out} and flushes it.
   *
   * @throws IOException if writing fails
   * @throws IllegalStateException if the stream lacks its header or checkpoint
   * @throws io.grpc.StatusRuntimeException if the call fails
   */
  public static Summary write(Iterator<ExportResponse> stream, Writer out) throws IOException {
    ExportHeader header = null;
    Checkpoint checkpoint = null;
    long entries = 0;
    while (stream.hasNext()) {
      ExportResponse r = stream.next();
      if (r.hasHeader()) {
        header = r.getHeader();
        line(out, headerLine(header));
      }
      if (r.getEntriesCount() > 0 && header == null) {
        throw new IllegalStateException("export stream: entries before the header");
      }
      for (Entry e : r.getEntriesList()) {
        line(out, ExportFormat.entryLine(EntryFields.of(e), e.getEntryHash(), e.getChainHash()));
        entries++;
      }
      if (r.hasCheckpoint()) {
        checkpoint = r.getCheckpoint();
        line(out, checkpointLine(checkpoint));
      }
    }
    out.flush();
    if (header == null || checkpoint == null) {
      throw new IllegalStateException("export stream ended without its "
          + (header == null ? "header" : "checkpoint"));
    }
    return new Summary(header, entries, checkpoint);
  }

  /**
   * The export line of a checkpoint, with its Merkle root and note if it has them (version
   * 2; without, the line is the same in both versions).
   */
  public static String checkpointLine(Checkpoint c) {
    boolean tree = !c.getMerkleRoot().isEmpty();
    return ExportFormat.checkpointLine(CheckpointPayload.of(c), c.getKeyId(),
        c.getSignature().toByteArray(), tree ? c.getNote() : null);
  }

  /**
   * The version-2 header line: written before the checkpoint arrives, so it cannot tell
   * whether the checkpoint has a Merkle root; its {@code left_frontier} is empty when not.
   */
  private static String headerLine(ExportHeader h) {
    List<byte[]> frontier = new ArrayList<>(h.getLeftFrontierCount());
    h.getLeftFrontierList().forEach(b -> frontier.add(b.toByteArray()));
    return ExportFormat.headerLine(h.getLogId(), h.getFromSeq(), h.getToSeq(),
        h.getPrevChainHash(), frontier);
  }

  private static void line(Writer out, String line) throws IOException {
    out.write(line);
    out.write('\n');
  }
}
