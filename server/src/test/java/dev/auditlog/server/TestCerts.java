package dev.auditlog.server;

import java.nio.file.Files;
import java.nio.file.Path;

/** The development certificates in {@code certs-dev/} at the repository root. */
public final class TestCerts {
  public static final Path DIR = locate();

  private TestCerts() {}

  public static Path pem(String name) {
    return DIR.resolve(name + ".pem");
  }

  public static Path key(String name) {
    return DIR.resolve(name + ".key");
  }

  private static Path locate() {
    Path here = Path.of("").toAbsolutePath();
    for (Path p = here; p != null; p = p.getParent()) {
      if (Files.isRegularFile(p.resolve("certs-dev/ca.pem"))) {
        return p.resolve("certs-dev");
      }
    }
    throw new IllegalStateException("certs-dev/ not found above " + here);
  }
}
