package dev.auditlog.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Which command-line and environment values count as passwords, and masking them. */
class RedactionTest {

  @Test
  void secrets_areTheValuesOfPasswordOptionsInBothFormsAndUrlPasswords() {
    String[] args = {"--port", "0", "--db-password", "w1", "--db-owner-password=o1",
        "--db-url", "jdbc:postgresql://h/db?user=x&password=u1&ssl=true"};

    assertEquals(List.of("w1", "o1", "u1"), Redaction.secrets(args, Map.of()));
  }

  @Test
  void secrets_includeThePasswordEnvironmentVariables() {
    Map<String, String> env = Map.of("AUDIT_DB_PASSWORD", "w2", "AUDIT_DB_OWNER_PASSWORD", "o2",
        "AUDIT_DB_URL", "jdbc:postgresql://h/db?password=u2", "AUDIT_PORT", "8443");

    assertEquals(List.of("w2", "o2", "u2"), Redaction.secrets(new String[0], env));
  }

  @Test
  void secrets_includeThePasswordsOfNamedDatabases_afterTheirNames() {
    String[] args = {"--database-password", "eu=w3,us=w4", "--database-owner-password=eu=o3",
        "--database", "eu=jdbc:postgresql://h/db?password=u3"};
    Map<String, String> env = Map.of("AUDIT_DATABASE_PASSWORDS", "ap=w5",
        "AUDIT_DATABASES", "ap=jdbc:postgresql://h/db?password=u5");

    assertEquals(List.of("eu=w3,us=w4", "w3", "w4", "eu=o3", "o3", "u3", "ap=w5", "w5", "u5"),
        Redaction.secrets(args, env));
  }

  @Test
  void redact_masksEveryOccurrence() {
    assertEquals("a *** b *** c ***",
        Redaction.redact("a w1 b w1 c o1", List.of("w1", "o1")));
  }

  @Test
  void databaseConfig_withoutPassword_masksTheUrlParameter() {
    assertEquals("jdbc:postgresql://h/db?user=x&password=***&ssl=true",
        ServerConfig.DatabaseConfig.withoutPassword(
            "jdbc:postgresql://h/db?user=x&password=u1&ssl=true"));
  }
}
