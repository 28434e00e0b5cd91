package dev.auditlog.server.grpc;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class CallerRateLimitTest {
  private final AtomicLong nanos = new AtomicLong(5_000);
  private final CallerRateLimit limit = new CallerRateLimit(2, Duration.ofSeconds(1), nanos::get);

  @Test
  void burst_thenOneAnInterval_perIdentity() {
    assertTrue(limit.tryAcquire("auditor"));
    assertTrue(limit.tryAcquire("auditor"));
    assertFalse(limit.tryAcquire("auditor"));
    assertTrue(limit.tryAcquire("other"), "another identity has its own bucket");

    nanos.addAndGet(Duration.ofMillis(999).toNanos());
    assertFalse(limit.tryAcquire("auditor"));
    nanos.addAndGet(Duration.ofMillis(1).toNanos());
    assertTrue(limit.tryAcquire("auditor"));
    assertFalse(limit.tryAcquire("auditor"));
  }

  @Test
  void longIdle_refillsUpToTheBurstOnly() {
    assertTrue(limit.tryAcquire("auditor"));
    assertTrue(limit.tryAcquire("auditor"));

    nanos.addAndGet(Duration.ofHours(1).toNanos());

    assertTrue(limit.tryAcquire("auditor"));
    assertTrue(limit.tryAcquire("auditor"));
    assertFalse(limit.tryAcquire("auditor"));
  }

  @Test
  void manyIdentities_keepMemoryBounded_andForgottenOnesStartFull() {
    for (int i = 0; i <= CallerRateLimit.MAX_CALLERS; i++) {
      limit.tryAcquire("caller-" + i);
      limit.tryAcquire("caller-" + i);
    }

    assertTrue(limit.tryAcquire("caller-0"), "the oldest identity was forgotten");
    assertFalse(limit.tryAcquire("caller-" + CallerRateLimit.MAX_CALLERS));
  }
}
