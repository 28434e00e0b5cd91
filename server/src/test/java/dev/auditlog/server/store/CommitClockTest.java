package dev.auditlog.server.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class CommitClockTest {
  private static final Instant T = Instant.parse("2026-11-24T12:00:00.000001Z");

  private final AtomicLong nanos = new AtomicLong(1_000);

  @Test
  void recent_keepsTheNewestReading_andIgnoresOlderOnesAndNull() {
    CommitClock clock = new CommitClock(Duration.ofMinutes(1), nanos::get);
    assertNull(clock.recent(), "nothing read yet");

    clock.note(T);
    clock.note(T.minusMillis(5)); // a slower commit that read the clock earlier
    clock.note(null);

    assertEquals(T, clock.recent());
  }

  @Test
  void recent_atTheLimit_isTheReading() {
    CommitClock clock = new CommitClock(Duration.ofMillis(20), nanos::get);
    clock.note(T);

    nanos.addAndGet(Duration.ofMillis(20).toNanos());

    assertEquals(T, clock.recent());
  }

  @Test
  void recent_afterTheLimit_isNull() {
    CommitClock clock = new CommitClock(Duration.ofMillis(20), nanos::get);
    clock.note(T);

    nanos.addAndGet(Duration.ofMillis(20).toNanos() + 1);

    assertNull(clock.recent());
  }
}
