package dev.auditlog.client.cli;

import dev.auditlog.client.verify.Expected;
import dev.auditlog.client.verify.ExportVerifier;
import dev.auditlog.client.verify.Predecessor;
import dev.auditlog.client.verify.Verification;
import dev.auditlog.integrity.Ed25519Keys;
import dev.auditlog.integrity.tlog.NoteVerifier;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.util.Arrays;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code audit verify FILE (--public-key KEY | --verifier-key VKEY) [--after PREDECESSOR]
 * [--from-seq N] [--log-id ID]}: verifies an export file offline, without the server. Prints
 * one line, {@code OK: ...} or {@code FAILED at seq N: PROBLEM: ...}; exits 0 only when the
 * file is intact, starts at seq 1, right after the trusted predecessor or where the signed
 * Merkle root places it (at {@code --from-seq} if given), is of the expected log and its
 * checkpoint (and note) is signed by the key; 1 when it is not; 2 when the file, the key or
 * the {@code --after} file cannot be read or an option is bad.
 */
@Command(name = "verify", mixinStandardHelpOptions = true, sortOptions = false,
    description = {
        "Verify an export file offline: every entry hash, the chain, the signed checkpoint and,"
            + " if it has one, the Merkle tree and the checkpoint's signed note.",
        "The export must start at seq 1 unless --after names the entry before its first one,"
            + " or the checkpoint has a Merkle root, which places a range on its own (the OK"
            + " line says which range; --from-seq demands where it starts).",
        "Exit 0 only if all holds; 1 names the first bad seq and what is wrong (e.g. HEAD_CUT,"
            + " PREDECESSOR_MISMATCH, WRONG_LOG); 2 when the file, the key or the --after file"
            + " cannot be read, or an option is bad."})
final class VerifyCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "FILE", description = "Export file (JSON lines).")
  Path file;

  @Option(names = "--public-key", paramLabel = "KEY",
      description = "The log's Ed25519 public key (X.509 SubjectPublicKeyInfo PEM), obtained"
          + " independently of the file. It checks the checkpoint's signature and its note's.")
  Path publicKey;

  @Option(names = "--verifier-key", paramLabel = "VKEY",
      description = {"The log's C2SP verifier key (NAME+KEYID+BASE64, as 'audit checkpoint'"
          + " prints it), obtained independently of the file: the checkpoint's note must be"
          + " of log NAME and verify with it (else NOTE_INVALID). Without --public-key its key"
          + " checks the checkpoint's signature too; with it, both must be the same key."})
  String verifierKey;

  @Option(names = "--from-seq", paramLabel = "N",
      description = "The seq the export must start at (else HEAD_CUT); --from-seq 1 demands"
          + " the whole log.")
  Long fromSeq;

  @Option(names = "--after", paramLabel = "PREDECESSOR",
      description = {"For an export that does not start at seq 1: the trusted entry before its"
          + " first one, as",
          "- FILE whose first line is a checkpoint as 'audit checkpoint' prints it (the rest is"
              + " ignored), signed by --public-key: the export must start at its seq + 1, from"
              + " its chain_hash, of its log_id;",
          "- SEQ:CHAIN_HASH (e.g. the last entry of the previous export): at SEQ + 1, from"
              + " CHAIN_HASH;",
          "- CHAIN_HASH (64 hex digits): from CHAIN_HASH.",
          "Else PREDECESSOR_MISMATCH. Without --after the export must start at seq 1, else"
              + " HEAD_CUT."})
  String after;

  @Option(names = "--log-id", paramLabel = "ID",
      description = "The log the export must be of, in its header and its checkpoint (else"
          + " WRONG_LOG). Without it they must only agree; --after FILE implies its log.")
  String logId;

  @Override
  public Integer call() throws IOException {
    NoteVerifier vkey = verifierKey();
    PublicKey key = publicKey(vkey);
    Expected expected = expected(key, vkey);
    Verification v;
    try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      v = ExportVerifier.verify(in, key, expected);
    }
    PrintWriter out = spec.commandLine().getOut();
    out.println(v);
    out.flush();
    return v.ok() ? ExitCodes.OK : ExitCodes.FAILURE;
  }

  private Expected expected(PublicKey key, NoteVerifier vkey) {
    Expected e = after == null ? Expected.fromStart() : Expected.after(predecessor(key));
    e = vkey == null ? e : e.withVerifierKey(vkey);
    try {
      e = logId == null ? e : e.withLogId(logId);
    } catch (IllegalArgumentException bad) {
      throw new IllegalArgumentException("--log-id " + logId + ": " + bad.getMessage(), bad);
    }
    try {
      return fromSeq == null ? e : e.withFromSeq(fromSeq);
    } catch (IllegalArgumentException bad) {
      throw new IllegalArgumentException("--from-seq " + fromSeq + ": " + bad.getMessage(), bad);
    }
  }

  private Predecessor predecessor(PublicKey key) {
    try {
      return Predecessor.parse(after, key);
    } catch (NoSuchFileException e) {
      throw new IllegalArgumentException("--after " + after + ": neither SEQ:CHAIN_HASH, nor a"
          + " CHAIN_HASH of 64 hex digits, nor an existing file", e);
    } catch (IOException e) {
      throw new IllegalArgumentException("--after " + after + ": cannot read it: " + e, e);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("--after " + after + ": " + e.getMessage(), e);
    }
  }

  /** The key of --public-key, else of --verifier-key; they must agree when both are given. */
  private PublicKey publicKey(NoteVerifier vkey) throws IOException {
    if (publicKey == null) {
      if (vkey == null) {
        throw new IllegalArgumentException("give the log's key: --public-key or --verifier-key");
      }
      return vkey.publicKey();
    }
    PublicKey key;
    try {
      key = Ed25519Keys.readPublicKey(publicKey);
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException(
          "--public-key " + publicKey + " is not an Ed25519 public key: " + e.getMessage(), e);
    }
    if (vkey != null && !Arrays.equals(Ed25519Keys.rawPublicKey(key),
        Ed25519Keys.rawPublicKey(vkey.publicKey()))) {
      throw new IllegalArgumentException("--public-key " + publicKey + " and --verifier-key "
          + verifierKey + " are different keys");
    }
    return key;
  }

  private NoteVerifier verifierKey() {
    return verifierKey == null ? null : Keys.verifierKey("--verifier-key", verifierKey);
  }
}
