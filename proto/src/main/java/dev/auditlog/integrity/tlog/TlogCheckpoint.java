package dev.auditlog.integrity.tlog;

import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The text of a checkpoint (c2sp.org/tlog-checkpoint): the tree head a log signs as a
 * {@link Note}. Lines: the log's origin, the tree size in decimal, the base64 root hash of
 * the RFC 6962 tree of that size, then optional extension lines; each ends in a newline.
 *
 * <p>Parsing is strict, so that {@code parse(body).body()} is always {@code body} and a
 * signature over the text means exactly these values: no empty origin or extension line, no
 * control characters, a size without sign or leading zeros ({@code 0} for the empty tree)
 * that fits a {@code long}, a root of 32 bytes in canonical base64.
 *
 * @param origin the log's identity, non-empty, conventionally a schema-less URL
 * @param size the number of leaves
 * @param rootHash the 32-byte root hash at that size (copied in and out)
 * @param extensions extension lines, each non-empty; their use is discouraged by the spec
 */
public record TlogCheckpoint(String origin, long size, byte[] rootHash, List<String> extensions) {
  private static final Pattern SIZE = Pattern.compile("0|[1-9][0-9]{0,18}");

  /** @throws IllegalArgumentException naming the bad value */
  public TlogCheckpoint {
    checkLine(origin, "origin");
    if (size < 0) {
      throw new IllegalArgumentException("checkpoint size must be >= 0, got " + size);
    }
    Merkle.requireHash(rootHash, "checkpoint root hash");
    rootHash = rootHash.clone();
    extensions = List.copyOf(extensions);
    for (int i = 0; i < extensions.size(); i++) {
      checkLine(extensions.get(i), "checkpoint extension line " + (i + 1));
    }
  }

  /** A checkpoint without extension lines. */
  public TlogCheckpoint(String origin, long size, byte[] rootHash) {
    this(origin, size, rootHash, List.of());
  }

  /**
   * Parses a checkpoint's note text.
   *
   * @throws IllegalArgumentException naming what is malformed
   */
  public static TlogCheckpoint parse(String body) {
    Note.checkText(body);
    String[] lines = body.substring(0, body.length() - 1).split("\n", -1);
    if (lines.length < 3) {
      throw new IllegalArgumentException(
          "a checkpoint has at least 3 lines (origin, size, root hash), got " + lines.length);
    }
    if (!SIZE.matcher(lines[1]).matches()) {
      throw new IllegalArgumentException("checkpoint size '" + lines[1]
          + "' is not a decimal number without sign or leading zeros");
    }
    long size;
    try {
      size = Long.parseLong(lines[1]);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("checkpoint size '" + lines[1] + "' is too large", e);
    }
    byte[] root = VerifierKey.decodeBase64(lines[2], "checkpoint root hash");
    return new TlogCheckpoint(lines[0], size, root, Arrays.asList(lines).subList(3, lines.length));
  }

  /** The note text: each line followed by a newline. */
  public String body() {
    StringBuilder b = new StringBuilder()
        .append(origin).append('\n')
        .append(size).append('\n')
        .append(Base64.getEncoder().encodeToString(rootHash)).append('\n');
    for (String line : extensions) {
      b.append(line).append('\n');
    }
    return b.toString();
  }

  @Override
  public byte[] rootHash() {
    return rootHash.clone();
  }

  private static void checkLine(String line, String what) {
    if (line == null || line.isEmpty()) {
      throw new IllegalArgumentException(what + " must not be empty");
    }
    if (line.indexOf('\n') >= 0) {
      throw new IllegalArgumentException(what + " must be one line, got '" + line + "'");
    }
    Note.checkText(line + "\n");
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof TlogCheckpoint c && c.origin.equals(origin) && c.size == size
        && Arrays.equals(c.rootHash, rootHash) && c.extensions.equals(extensions);
  }

  @Override
  public int hashCode() {
    return (origin.hashCode() * 31 + Long.hashCode(size)) * 31 + Arrays.hashCode(rootHash);
  }

  @Override
  public String toString() {
    return "TlogCheckpoint[origin=" + origin + ", size=" + size + ", rootHash="
        + HexFormat.of().formatHex(rootHash) + ", extensions=" + extensions + "]";
  }
}
