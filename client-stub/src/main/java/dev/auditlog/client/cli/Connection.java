package dev.auditlog.client.cli;

import dev.auditlog.client.AuditClient;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import picocli.CommandLine.Option;

/**
 * Where the server is and which certificate to present: the options every subcommand shares.
 * Unset certificate and key default to {@code certs-dev/<identity>.pem} and {@code .key},
 * the identity depending on the subcommand ({@code auth-backend} appends, {@code auditor}
 * reads).
 */
final class Connection {
  @Option(names = "--target", defaultValue = "${env:AUDIT_TARGET:-localhost:8443}",
      description = "Server address host:port, or several separated by commas (replicas,"
          + " used round robin) (env AUDIT_TARGET, default ${DEFAULT-VALUE}).")
  String target;

  @Option(names = "--cert", defaultValue = "${env:AUDIT_CLIENT_CERT}",
      description = "Client certificate, PEM (env AUDIT_CLIENT_CERT, default "
          + "certs-dev/<identity>.pem).")
  Path cert;

  @Option(names = "--key", defaultValue = "${env:AUDIT_CLIENT_KEY}",
      description = "Client private key, PKCS#8 PEM (env AUDIT_CLIENT_KEY, default "
          + "certs-dev/<identity>.key).")
  Path key;

  @Option(names = "--ca", defaultValue = "${env:AUDIT_CLIENT_CA:-certs-dev/ca.pem}",
      description = "CA that signed the server certificate, PEM (env AUDIT_CLIENT_CA, "
          + "default ${DEFAULT-VALUE}).")
  Path ca;

  @Option(names = "--deadline", defaultValue = "${env:AUDIT_DEADLINE:-15}", paramLabel = "SECONDS",
      description = "Deadline of each call, retries included (env AUDIT_DEADLINE, default "
          + "${DEFAULT-VALUE}).")
  int deadlineSeconds;

  /** Connects presenting {@code --cert}/{@code --key}, or {@code defaultIdentity}'s dev files. */
  AuditClient connect(String defaultIdentity) throws IOException {
    if (deadlineSeconds < 1) {
      throw new IllegalArgumentException("--deadline must be at least 1, got " + deadlineSeconds);
    }
    Path certFile = cert != null ? cert : Path.of("certs-dev", defaultIdentity + ".pem");
    Path keyFile = key != null ? key : Path.of("certs-dev", defaultIdentity + ".key");
    List<String> targets = List.of(target.split(",", -1));
    return (targets.size() == 1 ? AuditClient.builder().target(target)
            : AuditClient.builder().targets(targets))
        .credentials(certFile, keyFile, ca).deadline(Duration.ofSeconds(deadlineSeconds)).build();
  }
}
