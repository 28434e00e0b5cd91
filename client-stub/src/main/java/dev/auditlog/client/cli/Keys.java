package dev.auditlog.client.cli;

import dev.auditlog.integrity.tlog.CosignatureVerifier;
import dev.auditlog.integrity.tlog.NoteVerifier;

/** Reads the C2SP verifier keys the subcommands take, naming the option when one is bad. */
final class Keys {
  private Keys() {}

  /**
   * A log's verifier key, {@code NAME+KEYID+BASE64(0x01 || key)}.
   *
   * @throws IllegalArgumentException naming {@code option} and what is wrong
   */
  static NoteVerifier verifierKey(String option, String vkey) {
    try {
      return NoteVerifier.parse(vkey);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(option + ": " + e.getMessage(), e);
    }
  }

  /**
   * A witness's cosignature verifier key, {@code NAME+KEYID+BASE64(0x04 || key)}.
   *
   * @throws IllegalArgumentException naming {@code option} and what is wrong
   */
  static CosignatureVerifier witnessKey(String option, String vkey) {
    try {
      return CosignatureVerifier.parse(vkey);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(option + ": " + e.getMessage(), e);
    }
  }
}
