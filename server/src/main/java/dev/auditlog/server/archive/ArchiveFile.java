package dev.auditlog.server.archive;

import static java.nio.charset.StandardCharsets.UTF_8;

import dev.auditlog.api.v1.Checkpoint;
import dev.auditlog.api.v1.Entry;
import dev.auditlog.integrity.CheckpointPayload;
import dev.auditlog.integrity.EntryFields;
import dev.auditlog.integrity.EntryHasher;
import dev.auditlog.integrity.ExportFormat;
import dev.auditlog.server.store.AuditStore;
import dev.auditlog.server.store.StoreException;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.List;

/**
 * Writes the entries of an archive as an export file, version 2 (docs/export-format.md): a
 * header placing the range in the chain and the Merkle tree, the entries, and the signed
 * checkpoint of the last one. Checks what it writes: every entry's hash recomputed from its
 * fields, seqs consecutive, the chain from the header's hash through the entries to the
 * checkpoint's; then reads the file back and compares its SHA-256. Written beside the target
 * and renamed when complete and on disk.
 */
final class ArchiveFile {
  private static final int PAGE = 1000;

  private ArchiveFile() {}

  /**
   * Writes entries {@code fromSeq..checkpoint.seq} of {@code store} to {@code out}; returns
   * the file's SHA-256.
   *
   * @param prevChainHash the chain hash of entry {@code fromSeq - 1}
   * @param leftFrontier the Merkle tree's left frontier of entries 1..{@code fromSeq - 1}
   * @throws ArchiveRefusedException if an entry does not check: nothing is archived then
   */
  static byte[] write(AuditStore store, long fromSeq, String prevChainHash,
      List<byte[]> leftFrontier, Checkpoint checkpoint, Path out)
      throws IOException, StoreException, ArchiveRefusedException {
    Path partial = out.resolveSibling(out.getFileName() + ".partial");
    MessageDigest digest = sha256();
    try (DigestOutputStream bytes = new DigestOutputStream(Files.newOutputStream(partial,
            StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE), digest);
        Writer w = new BufferedWriter(new OutputStreamWriter(bytes, UTF_8), 1 << 16)) {
      line(w, ExportFormat.headerLine(checkpoint.getLogId(), fromSeq, checkpoint.getSeq(),
          prevChainHash, leftFrontier));
      String chain = entries(store, checkpoint, fromSeq, prevChainHash, w);
      if (!chain.equals(checkpoint.getChainHash())) {
        throw new ArchiveRefusedException("the chain of the archived entries ends in " + chain
            + ", not in the checkpoint's " + checkpoint.getChainHash());
      }
      line(w, ExportFormat.checkpointLine(CheckpointPayload.of(checkpoint),
          checkpoint.getKeyId(), checkpoint.getSignature().toByteArray(), checkpoint.getNote()));
    } catch (IOException | StoreException | ArchiveRefusedException | RuntimeException e) {
      Files.deleteIfExists(partial);
      throw e;
    }
    byte[] written = digest.digest();
    try (FileChannel ch = FileChannel.open(partial, StandardOpenOption.WRITE)) {
      ch.force(true);
    }
    if (!Arrays.equals(written, sha256Of(partial))) {
      Files.deleteIfExists(partial);
      throw new IOException(partial + " does not read back as written");
    }
    Files.move(partial, out, StandardCopyOption.ATOMIC_MOVE);
    return written;
  }

  /** Writes and checks the entry lines; returns the chain hash after the last. */
  private static String entries(AuditStore store, Checkpoint checkpoint, long fromSeq,
      String prevChainHash, Writer w)
      throws IOException, StoreException, ArchiveRefusedException {
    String chain = prevChainHash;
    long next = fromSeq;
    while (next <= checkpoint.getSeq()) {
      List<Entry> page = store.entries(checkpoint.getLogId(), next - 1, checkpoint.getSeq(),
          PAGE);
      if (page.isEmpty()) {
        throw new ArchiveRefusedException("entry seq " + next + " is missing from the store");
      }
      for (Entry e : page) {
        String entryHash = EntryHasher.entryHash(e);
        chain = EntryHasher.chainHash(chain, entryHash);
        if (e.getSeq() != next || !entryHash.equals(e.getEntryHash())
            || !chain.equals(e.getChainHash())) {
          throw new ArchiveRefusedException("entry seq " + e.getSeq() + " does not check (seq "
              + next + " expected, its hashes recomputed): the store was changed; nothing is"
              + " archived");
        }
        line(w, ExportFormat.entryLine(EntryFields.of(e), e.getEntryHash(), e.getChainHash()));
        next++;
      }
    }
    return chain;
  }

  private static void line(Writer w, String line) throws IOException {
    w.write(line);
    w.write('\n');
  }

  private static byte[] sha256Of(Path file) throws IOException {
    MessageDigest digest = sha256();
    try (InputStream in = Files.newInputStream(file)) {
      byte[] buffer = new byte[1 << 16];
      for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
        digest.update(buffer, 0, n);
      }
    }
    return digest.digest();
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }
}
