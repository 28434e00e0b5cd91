package dev.auditlog.client.cli;

import dev.auditlog.client.verify.InclusionReceipt;
import dev.auditlog.client.verify.ReceiptVerification;
import dev.auditlog.client.verify.ReceiptVerifier;
import dev.auditlog.integrity.EntryFields;
import dev.auditlog.integrity.tlog.CosignatureVerifier;
import dev.auditlog.integrity.tlog.NoteVerifier;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code audit verify-proof FILE --verifier-key VKEY [--entry FILE] [--witness-key VKEY ...]
 * [--witnesses K]}: verifies a receipt offline (docs/receipt-format.md). Prints one line,
 * {@code OK: ...} or {@code FAILED at seq N: PROBLEM: ...}; exits 0 only when the entry is in
 * the tree of a checkpoint the verifier key signed and at least K of the witnesses cosigned
 * it; 1 when not; 2 when a file cannot be read, a key is malformed or an option is bad.
 */
@Command(name = "verify-proof", mixinStandardHelpOptions = true, sortOptions = false,
    description = {
        "Verify a receipt from 'audit prove' offline: the entry hash recomputed from the"
            + " entry's fields, its leaf in the tree, the inclusion proof to the checkpoint's"
            + " root, the checkpoint's signature, and the witnesses' cosignatures.",
        "Exit 0 only if all holds; 1 names the problem (e.g. INCLUSION_INVALID,"
            + " SIGNATURE_INVALID, TOO_FEW_WITNESSES); 2 when a file cannot be read, a key is"
            + " malformed or an option is bad."})
final class VerifyProofCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "FILE", description = "The receipt (.tlog-proof).")
  Path file;

  @Option(names = "--verifier-key", required = true, paramLabel = "VKEY",
      description = "The log's verifier key (NAME+KEYID+BASE64, as 'audit checkpoint' prints"
          + " it), obtained out of band: the checkpoint must be of log NAME and signed by it.")
  String verifierKey;

  @Option(names = "--entry", paramLabel = "FILE",
      description = "The entry, if the receipt carries none or to check it is this one: an"
          + " entry line of an export, or the entry's hashed JSON object.")
  Path entry;

  @Option(names = "--witness-key", paramLabel = "VKEY",
      description = "A trusted witness's cosignature verifier key (NAME+KEYID+BASE64 of type"
          + " 0x04); repeat for each witness.")
  List<String> witnessKeys = new ArrayList<>();

  @Option(names = "--witnesses", paramLabel = "K",
      description = "How many of the --witness-key witnesses must have cosigned the"
          + " checkpoint (default: all of them).")
  Integer witnesses;

  @Override
  public Integer call() throws IOException {
    ReceiptVerifier verifier = verifier();
    EntryFields given = entry == null ? null : given();
    ReceiptVerification v = verifier.verify(read(file, "the receipt"), given);
    PrintWriter out = spec.commandLine().getOut();
    out.println(v);
    out.flush();
    return v.ok() ? ExitCodes.OK : ExitCodes.FAILURE;
  }

  private ReceiptVerifier verifier() {
    NoteVerifier log = Keys.verifierKey("--verifier-key", verifierKey);
    List<CosignatureVerifier> keys = new ArrayList<>();
    for (String w : witnessKeys) {
      keys.add(Keys.witnessKey("--witness-key " + w, w));
    }
    try {
      return new ReceiptVerifier(log, keys, witnesses != null ? witnesses
          : (int) keys.stream().map(CosignatureVerifier::name).distinct().count());
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("--witnesses/--witness-key: " + e.getMessage(), e);
    }
  }

  private EntryFields given() throws IOException {
    try {
      return InclusionReceipt.parseEntry(read(entry, "--entry"));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("--entry " + entry + ": " + e.getMessage(), e);
    }
  }

  /** The file's text, which must be UTF-8. */
  private static String read(Path path, String what) throws IOException {
    try {
      return StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(Files.readAllBytes(path))).toString();
    } catch (CharacterCodingException e) {
      throw new IllegalArgumentException(what + " " + path + " is not UTF-8", e);
    }
  }
}
