package dev.auditlog.server;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Certificates made during a test with the {@code openssl} command and the development CA
 * ({@code certs-dev/ca.pem}, {@code ca.key}): new server and client certificates, and CRLs
 * revoking chosen ones. Everything goes to a directory of the test's own.
 */
public final class TestPki {
  private final Path dir;

  public TestPki(Path dir) throws IOException {
    this.dir = dir;
    Files.writeString(dir.resolve("openssl.cnf"), String.join("\n",
        "[client]",
        "basicConstraints=critical,CA:FALSE",
        "keyUsage=critical,digitalSignature",
        "extendedKeyUsage=clientAuth",
        "subjectAltName=DNS:${ENV::NAME}",
        "authorityKeyIdentifier=keyid,issuer",
        "[server]",
        "basicConstraints=critical,CA:FALSE",
        "keyUsage=critical,digitalSignature",
        "extendedKeyUsage=serverAuth",
        "subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1",
        "authorityKeyIdentifier=keyid,issuer",
        "[ca]",
        "default_ca=tmp",
        "[tmp]",
        "database=" + dir.resolve("index.txt"),
        "crlnumber=" + dir.resolve("crlnumber"),
        "default_md=sha256",
        "default_crl_days=30",
        ""));
    Files.writeString(dir.resolve("index.txt"), "");
    Files.writeString(dir.resolve("crlnumber"), "01\n");
  }

  /** A certificate and key as files {@code <file>.pem} and {@code <file>.key}. */
  public record Issued(Path pem, Path key, String serialHex) {}

  /** A new client certificate for identity {@code name}, valid for two days. */
  public Issued client(String file, String name) throws IOException {
    return issue(file, name, "client");
  }

  /** A new server certificate for localhost, valid for two days. */
  public Issued server(String file) throws IOException {
    return issue(file, "localhost", "server");
  }

  /**
   * A new certificate from the dev CA, valid for two days, with {@code subject} in openssl's
   * {@code /CN=...} form (UTF-8, any characters) and {@code extensions} as openssl config
   * lines, e.g. {@code subjectAltName=DNS:a,URI:b}.
   */
  public Issued custom(String file, String subject, String... extensions) throws IOException {
    Path cnf = dir.resolve(file + ".cnf");
    Files.writeString(cnf, "[ext]\n" + String.join("\n", extensions) + "\n");
    return issue(file, "", subject, cnf.toString(), "ext");
  }

  /**
   * A new self-signed CA certificate with common name {@code cn}, unrelated to certs-dev/,
   * valid for two days.
   */
  public Issued selfSignedCa(String file, String cn) throws IOException {
    Path key = dir.resolve(file + ".key");
    Path pem = dir.resolve(file + ".pem");
    String serial = Long.toHexString(ThreadLocalRandom.current().nextLong(1L << 40, 1L << 60));
    openssl(cn, "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:prime256v1",
        "-out", key.toString());
    openssl(cn, "req", "-new", "-x509", "-key", key.toString(), "-subj", "/CN=" + cn,
        "-set_serial", "0x" + serial, "-days", "2", "-sha256", "-addext",
        "basicConstraints=critical,CA:TRUE", "-out", pem.toString());
    return new Issued(pem, key, serial);
  }

  /** Marks {@code cert} revoked; {@link #crl} then lists it. */
  public void revoke(Issued cert) throws IOException {
    openssl("NONE", "ca", "-config", cnf(), "-revoke", cert.pem().toString(),
        "-keyfile", TestCerts.key("ca").toString(), "-cert", TestCerts.pem("ca").toString());
  }

  /** Writes a CRL of the dev CA listing every certificate revoked so far. */
  public Path crl(String file) throws IOException {
    Path out = dir.resolve(file);
    openssl("NONE", "ca", "-config", cnf(), "-gencrl", "-keyfile",
        TestCerts.key("ca").toString(), "-cert", TestCerts.pem("ca").toString(),
        "-out", out.toString());
    return out;
  }

  private Issued issue(String file, String name, String extensions) throws IOException {
    return issue(file, name, "/CN=" + name, cnf(), extensions);
  }

  /** {@code name} fills {@code ${ENV::NAME}} in the config. */
  private Issued issue(String file, String name, String subject, String config,
      String extensions) throws IOException {
    Path key = dir.resolve(file + ".key");
    Path csr = dir.resolve(file + ".csr");
    Path pem = dir.resolve(file + ".pem");
    String serial = Long.toHexString(ThreadLocalRandom.current().nextLong(1L << 40, 1L << 60));
    openssl(name, "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:prime256v1",
        "-out", key.toString());
    openssl(name, "req", "-new", "-utf8", "-key", key.toString(), "-subj", subject,
        "-out", csr.toString());
    openssl(name, "x509", "-req", "-in", csr.toString(), "-CA", TestCerts.pem("ca").toString(),
        "-CAkey", TestCerts.key("ca").toString(), "-set_serial", "0x" + serial, "-days", "2",
        "-sha256", "-extfile", config, "-extensions", extensions, "-out", pem.toString());
    return new Issued(pem, key, serial);
  }

  private String cnf() {
    return dir.resolve("openssl.cnf").toString();
  }

  private static void openssl(String name, String... args) throws IOException {
    List<String> command = new ArrayList<>(List.of("openssl"));
    command.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
    pb.environment().put("NAME", name);
    Process p = pb.start();
    String output = new String(p.getInputStream().readAllBytes());
    try {
      if (p.waitFor() != 0) {
        throw new IOException("openssl " + args[0] + " failed: " + output);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
  }
}
