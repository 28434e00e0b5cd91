package dev.auditlog.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.auditlog.api.v1.AuditEvent;
import dev.auditlog.api.v1.Outcome;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class AuditEventsTest {

  @Test
  void registration_carriesActionOutcomeAndRiskSignals() {
    AuditEvent e = AuditEvents.registration("u1", "tenant/acme", Outcome.OUTCOME_FAILURE,
        Map.of("risk_score", "0.91")).build();

    assertEquals("user.register", e.getAction());
    assertEquals("tenant/acme", e.getTarget());
    assertEquals(Outcome.OUTCOME_FAILURE, e.getOutcome());
    assertEquals(Map.of("risk_score", "0.91"), e.getRiskSignalsMap());
  }

  @Test
  void everyHelperCall_getsItsOwnUuidEventId() {
    String first = AuditEvents.logout("u1").getEventId();
    String second = AuditEvents.logout("u1").getEventId();

    assertEquals(first, UUID.fromString(first).toString());
    assertNotEquals(first, second);
  }

  @Test
  void riskAccepted_recordsExpiryAsRfc3339Utc() {
    AuditEvent e = AuditEvents.riskAccepted("u1", "finding-1", "why", "ciso",
        Instant.parse("2027-01-31T12:00:00.5Z")).build();

    assertEquals("2027-01-31T12:00:00.500Z", e.getAttributesOrThrow("expires_at"));
  }

  @Test
  void riskAccepted_blankJustification_isRefused() {
    var e = assertThrows(IllegalArgumentException.class,
        () -> AuditEvents.riskAccepted("u1", "f", " ", "ciso", Instant.now()));
    assertEquals("justification must not be blank, got \" \"", e.getMessage());
  }

  @Test
  void timestamp_keepsNanoseconds() {
    var t = AuditEvents.timestamp(Instant.parse("2026-11-23T09:15:00.123456789Z"));
    assertEquals(123_456_789, t.getNanos());
  }
}
