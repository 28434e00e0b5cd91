package dev.auditlog.integrity;

import com.google.protobuf.Timestamp;
import dev.auditlog.api.v1.Entry;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.HexFormat;
import java.util.Map;

/**
 * Computes the hashes that make the log tamper-evident, exactly as {@code
 * docs/hash-format.md} defines them (format version 1).
 *
 * <p>{@code entry_hash} is the SHA-256 of the RFC 8785 canonical JSON of an entry's hashed
 * fields; {@code chain_hash(n)} is the SHA-256 of the raw bytes of {@code chain_hash(n-1)}
 * followed by those of {@code entry_hash(n)}, starting from 32 zero bytes. The server uses
 * this class to seal entries and verifiers use it to check them, so both agree by
 * construction. All methods are static and thread-safe.
 */
public final class EntryHasher {
  /** The hash format version, the {@code v} member of the hashed object. */
  public static final int FORMAT_VERSION = 1;

  /** The chain hash before the first entry: 32 zero bytes, in lowercase hex. */
  public static final String GENESIS_CHAIN_HASH = "0".repeat(64);

  private static final HexFormat HEX = HexFormat.of();
  /** One digest per thread: looking one up costs about as much as hashing an entry. */
  private static final ThreadLocal<MessageDigest> SHA256 =
      ThreadLocal.withInitial(EntryHasher::newSha256);

  private static final long MIN_SECONDS = -62135596800L; // 0001-01-01T00:00:00Z
  private static final long MAX_SECONDS = 253402300799L; // 9999-12-31T23:59:59Z

  private EntryHasher() {}

  /**
   * Returns the canonical JSON that {@code entry_hash} is computed over. Ignores the
   * entry's own {@code entry_hash} and {@code chain_hash}.
   *
   * @throws IllegalArgumentException if a timestamp has sub-microsecond digits or lies
   *     outside years 0001..9999, or a string holds an unpaired surrogate
   */
  public static String canonicalJson(Entry entry) {
    return canonicalJson(EntryFields.of(entry));
  }

  /**
   * Returns the canonical JSON that {@code entry_hash} is computed over.
   *
   * @throws IllegalArgumentException if a string (a map key included) holds an unpaired
   *     surrogate: it has no UTF-8 form, so it has no hash
   */
  public static String canonicalJson(EntryFields fields) {
    Map<String, Object> members = fields.members();
    members.put("v", FORMAT_VERSION);
    return new CanonicalJson().object(members).toString();
  }

  /**
   * Returns the lowercase hex {@code entry_hash} of an entry.
   *
   * @throws IllegalArgumentException as {@link #canonicalJson(Entry)} does
   */
  public static String entryHash(Entry entry) {
    return entryHash(EntryFields.of(entry));
  }

  /**
   * Returns the lowercase hex {@code entry_hash} of the given hashed fields.
   *
   * @throws IllegalArgumentException as {@link #canonicalJson(EntryFields)} does
   */
  public static String entryHash(EntryFields fields) {
    return HEX.formatHex(sha256(canonicalJson(fields).getBytes(StandardCharsets.UTF_8)));
  }

  /**
   * Returns the lowercase hex chain hash that follows {@code previousChainHash} when an
   * entry with {@code entryHash} is appended.
   *
   * @throws IllegalArgumentException if either is not 64 hex digits
   */
  public static String chainHash(String previousChainHash, String entryHash) {
    byte[] both = new byte[64];
    System.arraycopy(digest(previousChainHash, "previousChainHash"), 0, both, 0, 32);
    System.arraycopy(digest(entryHash, "entryHash"), 0, both, 32, 32);
    return HEX.formatHex(sha256(both));
  }

  /**
   * Formats a timestamp as the hash format writes it: RFC 3339 UTC with exactly six
   * fractional digits, e.g. {@code 2026-11-23T09:15:00.123456Z}.
   *
   * @throws IllegalArgumentException if it has sub-microsecond digits or is out of range
   */
  public static String timestamp(Timestamp ts) {
    if (ts.getNanos() % 1000 != 0 || ts.getNanos() < 0) {
      throw new IllegalArgumentException("timestamp has sub-microsecond digits: " + ts);
    }
    if (ts.getSeconds() < MIN_SECONDS || ts.getSeconds() > MAX_SECONDS) {
      throw new IllegalArgumentException("timestamp out of range 0001..9999: " + ts);
    }
    // By hand rather than with a DateTimeFormatter pattern, which prints the fraction through
    // BigDecimal and was the largest single cost of sealing an entry.
    LocalDateTime t = LocalDateTime.ofEpochSecond(ts.getSeconds(), 0, ZoneOffset.UTC);
    StringBuilder out = new StringBuilder(27);
    digits(out, t.getYear(), 4).append('-');
    digits(out, t.getMonthValue(), 2).append('-');
    digits(out, t.getDayOfMonth(), 2).append('T');
    digits(out, t.getHour(), 2).append(':');
    digits(out, t.getMinute(), 2).append(':');
    digits(out, t.getSecond(), 2).append('.');
    return digits(out, ts.getNanos() / 1000, 6).append('Z').toString();
  }

  /** Appends {@code value} (not negative) zero-padded to {@code width} digits. */
  private static StringBuilder digits(StringBuilder out, int value, int width) {
    String text = Integer.toString(value);
    for (int i = text.length(); i < width; i++) {
      out.append('0');
    }
    return out.append(text);
  }

  private static byte[] digest(String hex, String name) {
    if (hex.length() != 64) {
      throw new IllegalArgumentException(name + " must be 64 hex digits, got " + hex.length());
    }
    return HEX.parseHex(hex);
  }

  static byte[] sha256(byte[] data) {
    return SHA256.get().digest(data); // digest() also resets it for the next use
  }

  private static MessageDigest newSha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java platform has SHA-256", e);
    }
  }
}
