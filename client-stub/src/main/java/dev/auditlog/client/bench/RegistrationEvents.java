package dev.auditlog.client.bench;

import com.google.protobuf.Timestamp;
import dev.auditlog.api.v1.AuditEvent;
import dev.auditlog.api.v1.Outcome;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Realistic load: registration events as an auth backend sends them, with risk signals and
 * request details, about 500 bytes each on the wire. Every event gets a fresh random UUID
 * and user; the rest varies a little so that rows are not identical. Thread-safe.
 */
final class RegistrationEvents {
  private static final String[] COUNTRIES = {"DE", "US", "FR", "BR", "IN", "NG", "VN", "GB"};
  private static final String[] REPUTATION = {"good", "neutral", "suspicious", "bad"};
  private static final Outcome[] OUTCOMES = {
    Outcome.OUTCOME_SUCCESS, Outcome.OUTCOME_SUCCESS, Outcome.OUTCOME_FAILURE,
    Outcome.OUTCOME_DENIED
  };

  private RegistrationEvents() {}

  /** A new registration event with its own event id. */
  static AuditEvent next() {
    ThreadLocalRandom r = ThreadLocalRandom.current();
    long now = System.currentTimeMillis();
    return AuditEvent.newBuilder()
        .setEventId(uuid(r).toString())
        .setUserId("usr_" + Long.toHexString(r.nextLong()) + Long.toHexString(r.nextLong()))
        .setAction("user.register")
        .setTarget("tenant/acme-retail/signup")
        .setSourceIp("203.0." + r.nextInt(256) + "." + r.nextInt(1, 255))
        .setOutcome(OUTCOMES[r.nextInt(OUTCOMES.length)])
        .setOccurredAt(Timestamp.newBuilder()
            .setSeconds(now / 1000).setNanos((int) (now % 1000) * 1_000_000))
        .putRiskSignals("risk_score", "0." + (100 + r.nextInt(900)))
        .putRiskSignals("ip_reputation", REPUTATION[r.nextInt(REPUTATION.length)])
        .putRiskSignals("velocity_1h", Integer.toString(r.nextInt(40)))
        .putRiskSignals("email_domain_age_days", Integer.toString(r.nextInt(9000)))
        .putRiskSignals("disposable_email", r.nextInt(10) == 0 ? "true" : "false")
        .putRiskSignals("device_fingerprint", Long.toHexString(r.nextLong()))
        .putRiskSignals("geo_country", COUNTRIES[r.nextInt(COUNTRIES.length)])
        .putAttributes("signup_flow", "web-v3")
        .putAttributes("email_hash", "sha256:" + Long.toHexString(r.nextLong())
            + Long.toHexString(r.nextLong()))
        .putAttributes("user_agent",
            "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/131.0 Safari/537.36")
        .putAttributes("request_id", "req-" + Long.toHexString(r.nextLong()))
        .build();
  }

  /** A random (version 4) UUID from a fast generator: load, not secrets. */
  static UUID uuid(ThreadLocalRandom r) {
    return uuid(r.nextLong(), r.nextLong());
  }

  /** A version 4 UUID made of two random longs. */
  static UUID uuid(long random1, long random2) {
    long hi = (random1 & ~0xF000L) | 0x4000L;
    long lo = (random2 & ~(0xC000L << 48)) | (0x8000L << 48);
    return new UUID(hi, lo);
  }
}
