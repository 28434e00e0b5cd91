package dev.auditlog.server.grpc;

import io.grpc.StatusException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * Page tokens for List: opaque to clients, they hold the seq of the last entry returned and
 * a fingerprint of the filters, so a token is refused with a request whose filters differ.
 */
final class PageTokens {
  private static final String PREFIX = "v1:";

  private PageTokens() {}

  static String encode(long afterSeq, String filters) {
    String raw = PREFIX + afterSeq + ":" + Integer.toHexString(filters.hashCode());
    return Base64.getUrlEncoder().withoutPadding().encodeToString(raw.getBytes(StandardCharsets.UTF_8));
  }

  /** Returns the seq to continue after; 0 for an empty token. */
  static long decode(String token, String filters) throws StatusException {
    if (token.isEmpty()) {
      return 0;
    }
    String[] parts;
    try {
      String raw = new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8);
      parts = raw.startsWith(PREFIX) ? raw.substring(PREFIX.length()).split(":", -1) : new String[0];
    } catch (IllegalArgumentException e) {
      parts = new String[0];
    }
    if (parts.length != 2) {
      throw EventValidator.invalid("page_token", "not a token this server issued");
    }
    if (!parts[1].equals(Integer.toHexString(filters.hashCode()))) {
      throw EventValidator.invalid(
          "page_token", "was issued for other filters (since, until, action)");
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
}
