package dev.auditlog.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
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

  @Test
  void logs_areTheDefaultOneFirst_thenEachLogInItsDatabase() {
    ServerConfig config = config("--log-id", "main", "--log", "tenant-a,tenant-b=eu",
        "--database", "eu=jdbc:postgresql://eu-db/audit", "--database-password", "eu=secret",
        "--database-owner-user", "eu=eu_owner", "--database-owner-password", "eu=owned");

    assertEquals(List.of(Map.entry("main", "default"), Map.entry("tenant-a", "default"),
        Map.entry("tenant-b", "eu")), List.copyOf(config.logs().entrySet()));
    ServerConfig.DatabaseConfig eu = config.storage().databases().get("eu");
    assertEquals("jdbc:postgresql://eu-db/audit", eu.url());
    assertEquals("audit_writer", eu.user());
    assertEquals("secret", eu.password());
    assertEquals("eu_owner", eu.ownerUser());
    assertEquals("owned", eu.ownerPassword());
  }

  @Test
  void log_inADatabaseNotConfigured_isRefusedNamingIt() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> config("--log", "tenant-b=eu"));

    assertTrue(e.getMessage().startsWith("--log must be LOG=DATABASE with DATABASE one of"
        + " --database"), e.getMessage());
    assertTrue(e.getMessage().endsWith("got 'tenant-b=eu'"), e.getMessage());
  }

  @Test
  void log_sameAsTheDefaultLog_isRefused() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> config("--log", "default"));

    assertEquals("--log must be a log other than --log-id, which is always served, got"
        + " 'default'", e.getMessage());
  }

  @Test
  void databaseNamedDefault_isRefused() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> config("--database", "default=jdbc:postgresql://x/audit"));

    assertTrue(e.getMessage().startsWith("--database must be NAME=JDBC_URL with NAME"),
        e.getMessage());
  }

  @Test
  void databasePassword_forADatabaseNotConfigured_isRefused() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> config("--database-password", "eu=secret"));

    assertEquals("--database-... must be NAME=... with NAME one of --database, got 'eu=...'",
        e.getMessage());
  }

  @Test
  void logGrants_areByLog_andRefusedForALogNotServed() {
    ServerConfig config = config("--log", "tenant-a", "--log-appender",
        "tenant-a=svc-a,*=auth-backend", "--log-reader", "tenant-a=auditor-a");

    assertEquals(Map.of("tenant-a", Set.of("svc-a"), "*",
        Set.of("auth-backend")), config.access().logAppenders());
    assertEquals(Map.of("tenant-a", Set.of("auditor-a")),
        config.access().logReaders());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> config("--log-reader", "tenant-z=auditor"));
    assertTrue(e.getMessage().contains("tenant-z=..."), e.getMessage());
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
