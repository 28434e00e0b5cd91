package dev.auditlog.client.cli;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import org.junit.jupiter.api.Test;

/**
 * The {@code audit} command as users run it, {@code java -jar audit-client-cli.jar}, from the
 * jar that {@code package} made (failsafe runs this after it).
 */
class CliJarIT {
  private static final Path JAR = Path.of(System.getProperty("audit.client.jar",
      "target/audit-client-cli.jar"));
  private static final String VERSION = System.getProperty("audit.version");

  @Test
  void version_printsThePomVersion_whichTheManifestCarriesToo() throws Exception {
    assertTrue(Files.isRegularFile(JAR), JAR + " missing: run 'mvn package'");
    Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java")
        .toString(), "-jar", JAR.toString(), "--version").redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), UTF_8);

    assertTrue(p.waitFor(30, TimeUnit.SECONDS), "audit --version did not exit");
    assertEquals(0, p.exitValue(), out);
    List<String> lines = out.lines().toList();
    assertEquals("audit " + VERSION, lines.get(0), out);
    assertTrue(lines.get(1).startsWith("Java " + Runtime.version().feature()), out);
    try (JarFile jar = new JarFile(JAR.toFile())) {
      assertEquals(VERSION,
          jar.getManifest().getMainAttributes().getValue("Implementation-Version"));
    }
  }
}
