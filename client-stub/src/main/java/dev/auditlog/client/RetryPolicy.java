package dev.auditlog.client;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The gRPC service config with which {@link AuditClient} retries calls to {@code
 * audit.v1.AuditLog}.
 *
 * <p>Every method of the service is safe to repeat: {@code Append} and {@code AppendBatch} are
 * idempotent by {@code event_id} (a resent event returns the entry first stored) and {@code
 * List} only reads. So a call that ends with UNAVAILABLE (no connection, the server is going
 * away, the store is briefly unreachable) or a DEADLINE_EXCEEDED status sent by the server or a
 * proxy is resent, up to {@value #MAX_ATTEMPTS} attempts in all, with randomized exponential
 * backoff from 0.5 s to 4 s. gRPC resends the same request message, so a retried append
 * carries the same {@code event_id}.
 *
 * <p>gRPC-java has no per-attempt timeout: a call's deadline covers all its attempts, and a
 * call whose own deadline passes is not retried. The client therefore gives each call a
 * deadline long enough for all attempts and their backoff (see {@link
 * AuditClient#DEFAULT_DEADLINE}); a caller that still gets DEADLINE_EXCEEDED may resend the
 * same event itself, and it is stored at most once.
 */
final class RetryPolicy {
  static final int MAX_ATTEMPTS = 5;
  static final String SERVICE = "audit.v1.AuditLog";
  static final Duration INITIAL_BACKOFF = Duration.ofMillis(500);
  static final Duration MAX_BACKOFF = Duration.ofSeconds(4);
  static final double BACKOFF_MULTIPLIER = 2.0;

  private RetryPolicy() {}

  /**
   * The pause before the attempt after {@code attempts} failed ones, as gRPC's policy draws
   * it: uniformly random below {@code min(INITIAL_BACKOFF * MULTIPLIER^(attempts-1),
   * MAX_BACKOFF)}.
   */
  static long backoffNanos(int attempts) {
    double cap = Math.min(INITIAL_BACKOFF.toNanos()
        * Math.pow(BACKOFF_MULTIPLIER, Math.max(0, attempts - 1)), MAX_BACKOFF.toNanos());
    return (long) (ThreadLocalRandom.current().nextDouble() * cap);
  }

  /** The service config, as {@code ManagedChannelBuilder.defaultServiceConfig} takes it. */
  static Map<String, ?> serviceConfig() {
    Map<String, Object> retry = Map.of(
        "maxAttempts", (double) MAX_ATTEMPTS,
        "initialBackoff", seconds(INITIAL_BACKOFF),
        "maxBackoff", seconds(MAX_BACKOFF),
        "backoffMultiplier", BACKOFF_MULTIPLIER,
        "retryableStatusCodes", List.of("UNAVAILABLE", "DEADLINE_EXCEEDED"));
    Map<String, Object> method = Map.of(
        "name", List.of(Map.of("service", SERVICE)),
        "retryPolicy", retry);
    return Map.of("methodConfig", List.of(method));
  }

  private static String seconds(Duration d) {
    long millis = d.toMillis();
    return (millis % 1000 == 0 ? String.valueOf(millis / 1000) : String.valueOf(millis / 1000.0))
        + "s";
  }
}
