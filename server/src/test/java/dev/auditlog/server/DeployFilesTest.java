package dev.auditlog.server;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.lang.reflect.Field;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import picocli.CommandLine.Option;

/**
 * The files in {@code deploy/}: the systemd unit passes {@code systemd-analyze verify}
 * (skipped where systemd is missing), both run the server as a user of its own with a state
 * directory, the unit with its hardening, and every {@code AUDIT_*} variable they set is one
 * the server reads. No container engine runs here, so the image itself is not built.
 */
class DeployFilesTest {
  private static final Path DEPLOY = ServerProcess.REPO_ROOT.resolve("deploy");
  private static final Path UNIT = DEPLOY.resolve("audit-server.service");
  private static final Path CONTAINERFILE = DEPLOY.resolve("Containerfile");
  private static final Pattern VARIABLE = Pattern.compile("AUDIT_[A-Z_]+");

  @Test
  void systemdUnit_passesSystemdAnalyzeVerify_withoutAWord() throws Exception {
    Path analyze = Stream.of("/usr/bin/systemd-analyze", "/bin/systemd-analyze").map(Path::of)
        .filter(Files::isExecutable).findFirst().orElse(null);
    assumeTrue(analyze != null, "systemd-analyze is not installed (apt-get install systemd)");
    Process p = new ProcessBuilder(analyze.toString(), "verify", UNIT.toString())
        .redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), UTF_8);

    assertTrue(p.waitFor(60, TimeUnit.SECONDS), "systemd-analyze verify did not finish");
    assertEquals(0, p.exitValue(), out);
    assertEquals("", out.strip(), "systemd-analyze verify warns");
  }

  @Test
  void systemdUnit_runsAsItsOwnUser_withAStateDirectory_andHardening() throws IOException {
    List<String> lines = Files.readAllLines(UNIT);

    for (String setting : List.of("User=audit", "StateDirectory=audit-server",
        "StateDirectoryMode=0700", "Environment=AUDIT_DATA_DIR=/var/lib/audit-server",
        "NoNewPrivileges=yes", "ProtectSystem=strict", "ProtectHome=yes", "PrivateTmp=yes",
        "CapabilityBoundingSet=", "UMask=0077", "SuccessExitStatus=143", "Restart=on-failure")) {
      assertTrue(lines.contains(setting), setting + " missing in " + UNIT);
    }
    for (String tls : List.of("AUDIT_TLS_CERT", "AUDIT_TLS_KEY", "AUDIT_TLS_CA")) {
      assertTrue(lines.stream().anyMatch(l -> l.startsWith("Environment=" + tls + "=/etc/")),
          tls + " is not configured in " + UNIT);
    }
  }

  @Test
  void containerfile_runsAsANonRootUser_withTheStateDirectoryAsAVolume() throws IOException {
    List<String> lines = Files.readAllLines(CONTAINERFILE);

    List<String> users = lines.stream().filter(l -> l.startsWith("USER ")).toList();
    assertEquals(1, users.size(), "one USER line");
    String user = users.get(0).substring(5).strip();
    assertFalse(user.equals("root") || user.startsWith("0:") || user.equals("0"), user);
    assertTrue(lines.contains("VOLUME [\"/var/lib/audit-server\"]"), "state directory volume");
    assertTrue(String.join("\n", lines).contains("AUDIT_DATA_DIR=/var/lib/audit-server"));
  }

  @Test
  void everyVariableTheDeployFilesSet_isOneTheServerReads() throws IOException {
    Set<String> read = serverVariables();
    for (Path file : List.of(UNIT, CONTAINERFILE)) {
      Matcher m = VARIABLE.matcher(Files.readString(file));
      while (m.find()) {
        assertTrue(read.contains(m.group()), file + " sets " + m.group()
            + ", which the server does not read; it reads " + read);
      }
    }
  }

  /** The environment variables of the server's options, from their annotations. */
  private static Set<String> serverVariables() {
    Set<String> names = new TreeSet<>();
    for (Field f : AuditServerMain.class.getDeclaredFields()) {
      Option option = f.getAnnotation(Option.class);
      if (option != null) {
        Matcher m = VARIABLE.matcher(option.defaultValue());
        while (m.find()) {
          names.add(m.group());
        }
      }
    }
    return names;
  }
}
