package dev.auditlog.client.cli;

import dev.auditlog.client.AuditClient;
import java.io.IOException;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * Where the server is and which certificate to call it with; a picocli mixin. Defaults
 * are the development server and the {@code auditor} certificate from {@code certs-dev/}.
 */
public final class ServerOptions {
  @Option(names = "--server", defaultValue = "${env:AUDIT_SERVER:-localhost:8443}",
      description = "host:port of the audit server (env AUDIT_SERVER, default ${DEFAULT-VALUE}).")
  String server;

  @Option(names = "--cert", defaultValue = "${env:AUDIT_CLIENT_CERT:-certs-dev/auditor.pem}",
      description = "Client certificate, PEM (env AUDIT_CLIENT_CERT, default ${DEFAULT-VALUE}).")
  Path cert;

  @Option(names = "--key", defaultValue = "${env:AUDIT_CLIENT_KEY:-certs-dev/auditor.key}",
      description = "Client private key, PKCS#8 PEM (env AUDIT_CLIENT_KEY, default ${DEFAULT-VALUE}).")
  Path key;

  @Option(names = "--ca", defaultValue = "${env:AUDIT_CA:-certs-dev/ca.pem}",
      description = "CA that signed the server certificate (env AUDIT_CA, default ${DEFAULT-VALUE}).")
  Path ca;

  /** Connects as configured. */
  AuditClient connect() throws IOException {
    return AuditClient.connect(server, cert, key, ca);
  }
}
