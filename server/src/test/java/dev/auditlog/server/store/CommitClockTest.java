package dev.auditlog.server.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class CommitClockTest {
  private static final Instant T = Instant.parse("2026-11-24T12:00:00.000001Z");

  @Test
  void recent_keepsTheNewestReading_andIgnoresOlderOnesAndNull() {
    CommitClock clock = new CommitClock(Duration.ofMinutes(1));
    assertNull(clock.recent(), "nothing read yet");

    clock.note(T);
    clock.note(T.minusMillis(5)); // a slower commit that read the clock earlier
    clock.note(null);

    assertEquals(T, clock.recent());
  }

  @Test
  void recent_afterTheLimit_isNull() throws InterruptedException {
    CommitClock clock = new CommitClock(Duration.ofMillis(1));
    clock.note(T);

    Thread.sleep(5);

    assertNull(clock.recent());
  }
}
