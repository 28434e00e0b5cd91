package dev.auditlog.client;

import dev.auditlog.api.v1.Checkpoint;
import dev.auditlog.api.v1.Entry;
import dev.auditlog.api.v1.ExportHeader;
import dev.auditlog.api.v1.ExportResponse;
import dev.auditlog.integrity.CheckpointPayload;
import dev.auditlog.integrity.EntryFields;
import dev.auditlog.integrity.EntryHasher;
import dev.auditlog.integrity.ExportFormat;
import java.io.IOException;
import java.io.Writer;
import java.util.Iterator;

/**
 * Writes an Export stream as an export file (docs/export-format.md): a header line, one
 * line per entry, and the checkpoint line, each ended by {@code \n}. Streams: holds one
 * message at a time. Checks only the stream's shape (header first, checkpoint last);
 * whether the content is intact is for {@code ExportVerifier} to say.
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
        line(out, ExportFormat.headerLine(header.getLogId(), header.getFromSeq(),
            header.getToSeq(), header.getPrevChainHash()));
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

  /** The export line of a checkpoint. */
  public static String checkpointLine(Checkpoint c) {
    return ExportFormat.checkpointLine(new CheckpointPayload(c.getLogId(), c.getSeq(),
        c.getChainHash(), EntryHasher.timestamp(c.getRecordedAt())), c.getKeyId(),
        c.getSignature().toByteArray());
  }

  private static void line(Writer out, String line) throws IOException {
    out.write(line);
    out.write('\n');
  }
}
