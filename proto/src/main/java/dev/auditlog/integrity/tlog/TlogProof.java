package dev.auditlog.integrity.tlog;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.regex.Pattern;

/**
 * An offline proof that a leaf is in a log (c2sp.org/tlog-proof@v1, file extension {@code
 * .tlog-proof}): the leaf's index, its RFC 6962 inclusion proof, and the signed checkpoint
 * (possibly cosigned by witnesses) whose tree the proof leads to, plus optional opaque extra
 * data that nothing authenticates.
 *
 * <pre>
 * c2sp.org/tlog-proof@v1
 * extra &lt;base64&gt;          (optional, at most one line)
 * index &lt;decimal&gt;
 * &lt;base64 hash&gt;            (zero or more, from the leaf's sibling up)
 *
 * &lt;the checkpoint signed note, verbatim&gt;
 * </pre>
 *
 * <p>Parsing is strict: the header exactly, a decimal index without sign or leading zeros,
 * 32-byte hashes in canonical base64 (at most 63, the longest path a tree of {@code 2^63 -
 * 1} leaves has), a checkpoint that parses as a {@link Note} whose text is a {@link
 * TlogCheckpoint}. {@link #format()} gives back the parsed text. Immutable and thread-safe.
 *
 * @param extra the extra data, {@code null} when absent (copied in and out)
 * @param index the leaf's index
 * @param inclusionProof the inclusion proof, leaf end first
 * @param checkpoint the signed checkpoint
 */
public record TlogProof(byte[] extra, long index, List<byte[]> inclusionProof, Note checkpoint) {
  /** The first line. */
  public static final String HEADER = "c2sp.org/tlog-proof@v1";
  /** The most inclusion proof hashes accepted. */
  public static final int MAX_PROOF_HASHES = 63;

  private static final Pattern INDEX = Pattern.compile("0|[1-9][0-9]{0,18}");

  /** @throws IllegalArgumentException naming the bad value */
  public TlogProof {
    extra = extra == null ? null : extra.clone();
    if (index < 0) {
      throw new IllegalArgumentException("index must be >= 0, got " + index);
    }
    if (inclusionProof.size() > MAX_PROOF_HASHES) {
      throw new IllegalArgumentException("an inclusion proof has at most " + MAX_PROOF_HASHES
          + " hashes, got " + inclusionProof.size());
    }
    List<byte[]> copy = new ArrayList<>(inclusionProof.size());
    for (int i = 0; i < inclusionProof.size(); i++) {
      Merkle.requireHash(inclusionProof.get(i), "inclusion proof hash " + i);
      copy.add(inclusionProof.get(i).clone());
    }
    inclusionProof = copy;
    TlogCheckpoint.parse(checkpoint.text());
  }

  /** A proof without extra data. */
  public TlogProof(long index, List<byte[]> inclusionProof, Note checkpoint) {
    this(null, index, inclusionProof, checkpoint);
  }

  /**
   * Parses a proof.
   *
   * @throws IllegalArgumentException naming what is malformed
   */
  public static TlogProof parse(String text) {
    int blank = text.indexOf("\n\n");
    if (blank < 0) {
      throw new IllegalArgumentException("tlog proof has no blank line before its checkpoint");
    }
    List<String> lines = Arrays.asList(text.substring(0, blank).split("\n", -1));
    if (!lines.get(0).equals(HEADER)) {
      throw new IllegalArgumentException(
          "tlog proof must start with '" + HEADER + "', got '" + lines.get(0) + "'");
    }
    int at = 1;
    byte[] extra = null;
    if (at < lines.size() && lines.get(at).startsWith("extra ")) {
      extra = VerifierKey.decodeBase64(lines.get(at++).substring(6), "tlog proof extra data");
    }
    long index = parseIndex(at < lines.size() ? lines.get(at++) : "");
    List<byte[]> hashes = new ArrayList<>();
    for (String line : lines.subList(at, lines.size())) {
      if (hashes.size() == MAX_PROOF_HASHES) {
        throw new IllegalArgumentException(
            "tlog proof has more than " + MAX_PROOF_HASHES + " inclusion proof hashes");
      }
      byte[] h = VerifierKey.decodeBase64(line, "inclusion proof hash " + hashes.size());
      Merkle.requireHash(h, "inclusion proof hash " + hashes.size());
      hashes.add(h);
    }
    return new TlogProof(extra, index, hashes, Note.parse(text.substring(blank + 2)));
  }

  /** The proof text. */
  public String format() {
    StringBuilder b = new StringBuilder(HEADER).append('\n');
    if (extra != null) {
      b.append("extra ").append(Base64.getEncoder().encodeToString(extra)).append('\n');
    }
    b.append("index ").append(index).append('\n');
    for (byte[] h : inclusionProof) {
      b.append(Base64.getEncoder().encodeToString(h)).append('\n');
    }
    return b.append('\n').append(checkpoint.format()).toString();
  }

  /** The checkpoint's text, parsed. */
  public TlogCheckpoint checkpointBody() {
    return TlogCheckpoint.parse(checkpoint.text());
  }

  /**
   * Whether this proves that {@code leafHash} is in the log {@code origin}: the checkpoint is
   * that log's, {@code log} signed it, and the inclusion proof leads from the leaf at {@code
   * index} to its root. Cosignatures, and the extra data, are the caller's to check.
   */
  public boolean verifies(byte[] leafHash, String origin, NoteVerifier log) {
    TlogCheckpoint c = checkpointBody();
    return c.origin().equals(origin) && log.verifies(checkpoint)
        && Merkle.verifyInclusion(index, c.size(), leafHash, inclusionProof, c.rootHash());
  }

  @Override
  public byte[] extra() {
    return extra == null ? null : extra.clone();
  }

  @Override
  public List<byte[]> inclusionProof() {
    List<byte[]> copy = new ArrayList<>(inclusionProof.size());
    inclusionProof.forEach(h -> copy.add(h.clone()));
    return copy;
  }

  private static long parseIndex(String line) {
    String digits = line.startsWith("index ") ? line.substring(6) : null;
    if (digits == null || !INDEX.matcher(digits).matches()) {
      throw new IllegalArgumentException("tlog proof needs 'index <decimal without sign or"
          + " leading zeros>' after the header, got '" + line + "'");
    }
    try {
      return Long.parseLong(digits);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("tlog proof index '" + digits + "' is too large", e);
    }
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof TlogProof p) || p.index != index || !Arrays.equals(p.extra, extra)
        || !p.checkpoint.equals(checkpoint) || p.inclusionProof.size() != inclusionProof.size()) {
      return false;
    }
    for (int i = 0; i < inclusionProof.size(); i++) {
      if (!Arrays.equals(p.inclusionProof.get(i), inclusionProof.get(i))) {
        return false;
      }
    }
    return true;
  }

  @Override
  public int hashCode() {
    return Long.hashCode(index) * 31 + checkpoint.hashCode();
  }

  @Override
  public String toString() {
    return format();
  }
}
