package dev.auditlog.server.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class LogThrottleTest {
  private static final Duration INTERVAL = Duration.ofSeconds(10);

  private final AtomicLong clock = new AtomicLong(123_456_789L);
  private final LogThrottle throttle = new LogThrottle(INTERVAL, 4, clock::get);

  @Test
  void admit_firstEventOfAKey_isLoggedWithNothingLeftOut() {
    assertEquals(0, throttle.admit("denied|intruder"));
  }

  @Test
  void admit_repeatsWithinTheInterval_areLeftOut_andCountedOnTheNextLine() {
    throttle.admit("denied|intruder");
    for (int i = 0; i < 7; i++) {
      clock.addAndGet(Duration.ofSeconds(1).toNanos());
      assertEquals(-1, throttle.admit("denied|intruder"));
    }

    clock.addAndGet(Duration.ofSeconds(3).toNanos());

    assertEquals(7, throttle.admit("denied|intruder"));
    assertEquals(-1, throttle.admit("denied|intruder"));
  }

  @Test
  void admit_justBeforeTheIntervalEnds_isLeftOut_atItsEndIsLogged() {
    throttle.admit("k");

    clock.addAndGet(INTERVAL.toNanos() - 1);
    assertEquals(-1, throttle.admit("k"));
    clock.addAndGet(1);
    assertEquals(1, throttle.admit("k"));
  }

  @Test
  void admit_otherKeys_areLimitedSeparately() {
    assertEquals(0, throttle.admit("denied|intruder"));
    assertEquals(0, throttle.admit("denied|auditor"));
    assertEquals(0, throttle.admit("handshake|203.0.113.7|no client certificate"));
    assertEquals(-1, throttle.admit("denied|auditor"));
  }

  @Test
  void admit_moreKeysThanTheBound_shareOneOverflowLinePerInterval() {
    for (int i = 0; i < 4; i++) {
      assertEquals(0, throttle.admit("key-" + i));
    }

    assertEquals(0, throttle.admit("key-4"));
    for (int i = 5; i < 100; i++) {
      assertEquals(-1, throttle.admit("key-" + i), "key-" + i);
    }
    assertEquals(4, throttle.keys());

    clock.addAndGet(Duration.ofSeconds(5).toNanos());
    assertEquals(-1, throttle.admit("key-100"));
    clock.addAndGet(Duration.ofSeconds(5).toNanos());
    assertEquals(0, throttle.admit("key-101"), "a quiet key made room");
  }

  @Test
  void admit_overflowAfterItsInterval_reportsWhatItLeftOut() {
    for (int i = 0; i < 4; i++) {
      throttle.admit("key-" + i);
    }
    clock.addAndGet(Duration.ofSeconds(5).toNanos());
    assertEquals(0, throttle.admit("new-0"));
    assertEquals(-1, throttle.admit("new-1"));
    assertEquals(-1, throttle.admit("new-2"));
    clock.addAndGet(Duration.ofSeconds(5).toNanos());
    for (int i = 0; i < 4; i++) {
      assertEquals(0, throttle.admit("key-" + i), "key-" + i + " stays busy");
    }

    clock.addAndGet(Duration.ofSeconds(5).toNanos());

    assertEquals(2, throttle.admit("new-3"));
    assertEquals(4, throttle.keys());
  }

  @Test
  void note_saysHowManyWereLeftOut_onlyWhenAny() {
    assertEquals("", LogThrottle.note(0));
    assertEquals(" [3 more like this since the previous such line, not logged]",
        LogThrottle.note(3));
  }

  @Test
  void constructor_withoutAnInterval_isRefused() {
    assertThrows(IllegalArgumentException.class,
        () -> new LogThrottle(Duration.ZERO, 4, clock::get));
  }
}
