package dev.auditlog.client.verify;

import dev.auditlog.client.verify.ExportLine.EntryLine;
import dev.auditlog.integrity.EntryFields;
import dev.auditlog.integrity.EntryHasher;
import dev.auditlog.integrity.tlog.Note;
import dev.auditlog.integrity.tlog.TlogProof;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * An inclusion receipt, the offline proof that a log holds one entry
 * (docs/receipt-format.md): a c2sp.org/tlog-proof@v1 whose extra data is the entry's
 * canonical JSON, the exact bytes its {@code entry_hash} is the SHA-256 of
 * (docs/hash-format.md section 2), whose index is the entry's leaf ({@code seq - 1}), and
 * whose checkpoint is the log's signed note, with any witness cosignatures. With a verifier
 * key alone, the receipt shows that the log holds the entry in the signed tree.
 * (Not to be confused with an {@code Append} receipt, {@code audit.v1.Receipt}: the log's
 * signature over one entry's hashes, docs/checkpoint-format.md section 8.)
 *
 * <p>Nothing in the receipt is trusted as it stands: {@link ReceiptVerifier} recomputes the
 * entry hash from the fields and checks the proof against the signed root. All methods are
 * static and thread-safe.
 */
public final class InclusionReceipt {
  private InclusionReceipt() {}

  /**
   * The receipt of {@code entry} in the tree of {@code checkpoint}.
   *
   * @param inclusionProof the RFC 9162 inclusion proof of leaf {@code entry.seq() - 1}, from
   *     the leaf's sibling up
   * @throws IllegalArgumentException if the entry cannot be hashed, its seq is below 1, a
   *     proof hash is not 32 bytes or the note is no checkpoint
   */
  public static TlogProof of(EntryFields entry, List<byte[]> inclusionProof, Note checkpoint) {
    byte[] extra = EntryHasher.canonicalJson(entry).getBytes(StandardCharsets.UTF_8);
    return new TlogProof(extra, entry.seq() - 1, inclusionProof, checkpoint);
  }

  /**
   * The entry a receipt carries in its extra data, or null if it has none.
   *
   * @throws IllegalArgumentException if the extra data is not the canonical JSON of an
   *     entry's hashed object, exactly as hash-format.md section 2 writes it
   */
  public static EntryFields entry(TlogProof receipt) {
    if (receipt.extra() == null) {
      return null;
    }
    String json = utf8(receipt.extra());
    EntryFields fields;
    try {
      fields = ExportLineParser.hashedObject(json);
    } catch (MalformedLineException e) {
      throw new IllegalArgumentException("extra data: " + e.getMessage(), e);
    }
    if (!EntryHasher.canonicalJson(fields).equals(json)) {
      throw new IllegalArgumentException(
          "extra data: not the entry's canonical JSON (RFC 8785), as it is hashed");
    }
    return fields;
  }

  /**
   * An entry given apart from a receipt: an entry line of an export file, whose fields must
   * hash to its {@code entry_hash}, or the hashed object (with {@code "v":1}) as a receipt's
   * extra data holds it. One JSON object, optionally followed by a newline.
   *
   * @throws IllegalArgumentException naming what is wrong
   */
  public static EntryFields parseEntry(String text) {
    String json = text.endsWith("\n") ? text.substring(0, text.length() - 1) : text;
    EntryLine e;
    try {
      e = ExportLineParser.entryOrHashedObject(json);
    } catch (MalformedLineException bad) {
      throw new IllegalArgumentException(bad.getMessage(), bad);
    }
    if (e.entryHash() != null && !EntryHasher.entryHash(e.fields()).equals(e.entryHash())) {
      throw new IllegalArgumentException("the entry line's fields do not hash to its"
          + " entry_hash " + e.entryHash());
    }
    return e.fields();
  }

  private static String utf8(byte[] bytes) {
    try {
      return StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes)).toString();
    } catch (CharacterCodingException e) {
      throw new IllegalArgumentException("extra data: not UTF-8", e);
    }
  }
}
