package dev.auditlog.client.cli;

import dev.auditlog.client.verify.ExportVerifier;
import dev.auditlog.client.verify.Verification;
import dev.auditlog.integrity.Ed25519Keys;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code audit verify FILE --public-key KEY}: verifies an export file offline, without the
 * server. Prints one line, {@code OK: ...} or {@code FAILED at seq N: PROBLEM: ...}; exits
 * 0 only when the file is intact and its checkpoint is signed by the key, 1 when it is not,
 * 2 when the file or key cannot be read.
 */
@Command(name = "verify", mixinStandardHelpOptions = true,
    description = {
        "Verify an export file offline: every entry hash, the chain, and the signed checkpoint.",
        "Exit 0 only if all holds; 1 names the first bad seq and what is wrong."})
final class VerifyCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "FILE", description = "Export file (JSON lines).")
  Path file;

  @Option(names = "--public-key", required = true, paramLabel = "KEY",
      description = "The log's Ed25519 public key (X.509 SubjectPublicKeyInfo PEM), obtained"
          + " independently of the file.")
  Path publicKey;

  @Override
  public Integer call() throws IOException {
    PublicKey key = publicKey();
    Verification v;
    try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      v = ExportVerifier.verify(in, key);
    }
    PrintWriter out = spec.commandLine().getOut();
    out.println(v);
    out.flush();
    return v.ok() ? ExitCodes.OK : ExitCodes.FAILURE;
  }

  private PublicKey publicKey() throws IOException {
    try {
      return Ed25519Keys.readPublicKey(publicKey);
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException(
          "--public-key " + publicKey + " is not an Ed25519 public key: " + e.getMessage(), e);
    }
  }
}
