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
