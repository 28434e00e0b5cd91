package dev.auditlog.client;

import com.google.protobuf.Timestamp;
import dev.auditlog.api.v1.AuditEvent;
import dev.auditlog.api.v1.Outcome;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;

/**
 * Events of the kinds the auth backend records, with their agreed action names and fields.
 *
 * <p>Each method returns a builder with a fresh {@code event_id}, the action, the user, the
 * target and the outcome filled in; add the client's address ({@code setSourceIp}), the time
 * ({@code setOccurredAt(AuditEvents.timestamp(instant))}) and further attributes, then
 * build. Keep the built event to resend it after an error: it is stored once.
 *
 * <p>Arguments must not be null; an empty string is recorded as given.
 */
public final class AuditEvents {
  public static final String REGISTER = "user.register";
  public static final String LOGIN = "user.login";
  public static final String LOGOUT = "user.logout";
  public static final String CONFIG_CHANGE = "config.change";
  public static final String API_KEY_CREATE = "apikey.create";
  public static final String API_KEY_REVOKE = "apikey.revoke";
  public static final String REPORT_EXPORT = "report.export";
  public static final String REPORT_DOWNLOAD = "report.download";
  public static final String RISK_ACCEPT = "risk.accept";

  private AuditEvents() {}

  /**
   * A registration of {@code userId} in {@code tenant}, with the risk signals that were
   * evaluated (scores as decimal text, e.g. {@code "risk_score" -> "0.91"}).
   */
  public static AuditEvent.Builder registration(
      String userId, String tenant, Outcome outcome, Map<String, String> riskSignals) {
    return event(REGISTER, userId, tenant, outcome).putAllRiskSignals(riskSignals);
  }

  /** A login attempt of {@code userId} from {@code sourceIp} (IPv4 or IPv6 text, or empty). */
  public static AuditEvent.Builder login(String userId, String sourceIp, Outcome outcome) {
    return event(LOGIN, userId, "", outcome).setSourceIp(sourceIp);
  }

  /** A logout of {@code userId}. */
  public static AuditEvent.Builder logout(String userId) {
    return event(LOGOUT, userId, "", Outcome.OUTCOME_SUCCESS);
  }

  /**
   * A change by {@code userId} of the setting {@code setting} (e.g. {@code
   * tenant/acme/ldap}); {@code change} describes it (e.g. {@code "field" -> "bind_dn"}). Never
   * put secrets in it: entries cannot be removed.
   */
  public static AuditEvent.Builder configurationChange(
      String userId, String setting, Map<String, String> change) {
    return event(CONFIG_CHANGE, userId, setting, Outcome.OUTCOME_SUCCESS).putAllAttributes(change);
  }

  /** The creation by {@code userId} of the API key {@code keyId} (its id, never the secret). */
  public static AuditEvent.Builder apiKeyCreated(String userId, String keyId) {
    return event(API_KEY_CREATE, userId, keyId, Outcome.OUTCOME_SUCCESS);
  }

  /** The revocation by {@code userId} of the API key {@code keyId}. */
  public static AuditEvent.Builder apiKeyRevoked(String userId, String keyId) {
    return event(API_KEY_REVOKE, userId, keyId, Outcome.OUTCOME_SUCCESS);
  }

  /** An export by {@code userId} of the report {@code reportId} in {@code format}. */
  public static AuditEvent.Builder reportExported(String userId, String reportId, String format) {
    return event(REPORT_EXPORT, userId, reportId, Outcome.OUTCOME_SUCCESS)
        .putAttributes("format", format);
  }

  /** A download by {@code userId} of the report {@code reportId}. */
  public static AuditEvent.Builder reportDownloaded(String userId, String reportId) {
    return event(REPORT_DOWNLOAD, userId, reportId, Outcome.OUTCOME_SUCCESS);
  }

  /**
   * The acceptance by {@code userId} of the risk of {@code finding}, with why, who approved it
   * and until when; recorded as attributes {@code justification}, {@code approver} and {@code
   * expires_at} (RFC 3339 UTC).
   *
   * @throws IllegalArgumentException if {@code justification} or {@code approver} is blank
   */
  public static AuditEvent.Builder riskAccepted(
      String userId, String finding, String justification, String approver, Instant expiresAt) {
    requireText("justification", justification);
    requireText("approver", approver);
    return event(RISK_ACCEPT, userId, finding, Outcome.OUTCOME_SUCCESS)
        .putAttributes("justification", justification)
        .putAttributes("approver", approver)
        .putAttributes("expires_at", DateTimeFormatter.ISO_INSTANT.format(expiresAt));
  }

  /** {@code instant} as a protobuf timestamp, e.g. for {@code setOccurredAt}. */
  public static Timestamp timestamp(Instant instant) {
    return Timestamp.newBuilder()
        .setSeconds(instant.getEpochSecond())
        .setNanos(instant.getNano())
        .build();
  }

  private static AuditEvent.Builder event(
      String action, String userId, String target, Outcome outcome) {
    return AuditEvent.newBuilder()
        .setEventId(UUID.randomUUID().toString())
        .setAction(action)
        .setUserId(Objects.requireNonNull(userId, "userId"))
        .setTarget(Objects.requireNonNull(target, "target"))
        .setOutcome(Objects.requireNonNull(outcome, "outcome"));
  }

  private static void requireText(String name, String value) {
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException(name + " must not be blank, got \"" + value + "\"");
    }
  }
}
