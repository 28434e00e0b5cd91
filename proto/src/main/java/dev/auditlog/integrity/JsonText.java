package dev.auditlog.integrity;

import java.util.Map;

/**
 * A JSON object of strings as text, for a {@code jsonb} column or any other JSON reader.
 * Written in the canonical form ({@link CanonicalJson}: sorted keys, RFC 8785 escapes), which
 * is plain JSON, so that the server and the tools need only one JSON string writer.
 */
public final class JsonText {
  private JsonText() {}

  /** The members as one JSON object. */
  public static String object(Map<String, String> members) {
    return new CanonicalJson().object(members).toString();
  }
}
