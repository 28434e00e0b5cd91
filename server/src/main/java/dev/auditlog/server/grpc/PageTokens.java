package dev.auditlog.server.grpc;

import io.grpc.StatusException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.HexFormat;

/**
 * Page tokens for List: opaque to clients, they hold the seq of the last entry returned and
 * a fingerprint of the filters (the first 16 bytes of their SHA-256), so a token is refused
 * with a request whose filters differ. Tokens of earlier servers ({@code v1}, a 32-bit
 * string hash of the same filter text) are still accepted; new ones are {@code v2}.
 */
final class PageTokens {
  private static final String V1 = "v1:";
  private static final String V2 = "v2:";

  private PageTokens() {}

  static String encode(long afterSeq, String filters) {
    String raw = V2 + afterSeq + ":" + fingerprint(filters);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(raw.getBytes(StandardCharsets.UTF_8));
  }

  /** Returns the seq to continue after; 0 for an empty token. */
  static long decode(String token, String filters) throws StatusException {
    if (token.isEmpty()) {
      return 0;
    }
    String raw;
    try {
      raw = new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      raw = "";
    }
    String expected = raw.startsWith(V2) ? fingerprint(filters)
        : raw.startsWith(V1) ? Integer.toHexString(filters.hashCode()) : null;
    String[] parts = expected == null ? new String[0] : raw.substring(V1.length()).split(":", -1);
    if (parts.length != 2) {
      throw EventValidator.invalid("page_token", "not a token this server issued");
    }
    if (!parts[1].equals(expected)) {
      throw EventValidator.invalid("page_token", "was issued for other filters (since, until,"
          + " action, action_prefix, user_id, target, outcome, producer, source_ip)");
    }
    try {
      long seq = Long.parseLong(parts[0]);
      if (seq < 0) {
        throw new NumberFormatException();
      }
      return seq;
    } catch (NumberFormatException e) {
      throw EventValidator.invalid("page_token", "not a token this server issued");
    }
  }

  private static String fingerprint(String filters) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256")
          .digest(filters.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest, 0, 16);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }
}
