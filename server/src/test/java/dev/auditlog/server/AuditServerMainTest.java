package dev.auditlog.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * The command line's identity, certificate, metrics and log options, parsed in process (the
 * environment is the test's).
 */
class AuditServerMainTest {
  private static final Path CA = TestCerts.pem("ca");
  private static final Path OTHER_CA = TestCerts.pem("other-ca");

  @Test
  void identityIssuer_repeatedAndCommaSeparated_bindsEachIdentityToItsFiles() {
    ServerConfig config = config("--identity-issuer", "auditor=" + CA,
        "--identity-issuer", "auth-backend=" + OTHER_CA + ",auditor=" + OTHER_CA);

    assertEquals(Map.of("auditor", List.of(CA, OTHER_CA), "auth-backend", List.of(OTHER_CA)),
        config.access().identityIssuers());
  }

  @Test
  void identityIssuer_unset_bindsNothing() {
    assertEquals(Map.of(), config().access().identityIssuers());
  }

  @Test
  void identityIssuer_withoutEquals_isRefusedNamingTheFlagAndValue() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> config("--identity-issuer", "auditor"));

    assertEquals("--identity-issuer must be IDENTITY=CA_PEM_FILE, got 'auditor'", e.getMessage());
  }

  @Test
  void identityIssuer_forAnIdentityNeitherAppendersNorReadersName_isRefused() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> config("--identity-issuer", "auditr=" + CA));

    assertTrue(e.getMessage().startsWith("--identity-issuer must be an identity that"
        + " --appenders, --readers, --admins, --log-appender or --log-reader names, got"
        + " 'auditr="), e.getMessage());
  }

  @Test
  void identityIssuer_unreadableFile_isRefusedNamingTheFile() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> config("--identity-issuer", "auditor=/nonexistent.pem"));

    assertTrue(e.getMessage().contains("auditor=/nonexistent.pem"), e.getMessage());
  }

  @Test
  void identityFromCn_isOffByDefault_andOnWithTheFlag() {
    assertFalse(config().access().identityFromCn());
    assertTrue(config("--identity-from-cn").access().identityFromCn());
    assertFalse(config("--identity-from-cn=false").access().identityFromCn());
  }

  @Test
  void allowDevCertificates_isOffByDefault_andOnWithTheFlag() {
    assertFalse(config().tls().allowDevCertificates());
    assertTrue(config("--allow-dev-certificates").tls().allowDevCertificates());
  }

  @Test
  void metrics_offByDefault_onLoopbackWhenAPortIsGiven() {
    assertFalse(config().metrics().enabled());

    ServerConfig.Metrics on = config("--metrics-port", "9464").metrics();
    assertTrue(on.enabled());
    assertEquals(9464, on.port());
    assertEquals("127.0.0.1", on.bindAddress());
    assertEquals("0.0.0.0", config("--metrics-port", "0", "--metrics-bind", "0.0.0.0").metrics()
        .bindAddress());
  }

  @Test
  void metricsPort_outOfRange_isRefusedNamingTheFlag() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> config("--metrics-port", "70000"));

    assertTrue(e.getMessage().contains("--metrics-port") && e.getMessage().contains("70000"),
        e.getMessage());
  }

  @Test
  void logFormat_isTextOrJsonInAnyCase_elseRefusedNamingTheFlag() {
    assertEquals(LogFormat.JSON, LogFormat.parse("JSON"));
    assertEquals(LogFormat.TEXT, LogFormat.parse("text"));
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> LogFormat.parse("xml"));
    assertTrue(e.getMessage().contains("--log-format") && e.getMessage().contains("xml"),
        e.getMessage());
  }

  /** The configuration of these arguments, with the dev certificates by absolute path. */
  private static ServerConfig config(String... args) {
    List<String> all = new ArrayList<>(List.of("--cert", TestCerts.pem("server").toString(),
        "--key", TestCerts.key("server").toString(), "--ca", CA.toString()));
    all.addAll(List.of(args));
    AuditServerMain main = new AuditServerMain(List.of());
    new CommandLine(main).parseArgs(all.toArray(String[]::new));
    return main.config();
  }
}
