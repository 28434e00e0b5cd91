package dev.auditlog.client.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.auditlog.client.bench.ForwardingLag.Acks;
import dev.auditlog.client.bench.ForwardingLag.Samples;
import org.junit.jupiter.api.Test;

/** The lag arithmetic over made-up acknowledgement times and cursor polls; no clock. */
class ForwardingLagTest {
  private static final long NEVER = ForwardingLag.NEVER;

  @Test
  void lag_isTheFirstPollAtOrPastTheSeq_minusItsAck() {
    Samples polls = new Samples(new long[] {100, 200, 300, 400}, new long[] {0, 2, 2, 5});
    Acks acks = new Acks(new long[] {1, 2, 3, 4, 5}, new long[] {50, 60, 150, 160, 170});

    assertArrayEquals(new long[] {150, 140, 250, 240, 230}, ForwardingLag.lags(acks, polls));
  }

  @Test
  void lag_ofAnEntryDeliveredBeforeItsAnswerCame_isZero() {
    Samples polls = new Samples(new long[] {100, 200}, new long[] {3, 3});
    Acks acks = new Acks(new long[] {3}, new long[] {180});

    assertArrayEquals(new long[] {0}, ForwardingLag.lags(acks, polls));
  }

  @Test
  void lag_ofAnEntryNoPollSawDelivered_isNever() {
    Samples polls = new Samples(new long[] {100, 200}, new long[] {1, 2});
    Acks acks = new Acks(new long[] {2, 3}, new long[] {50, 60});

    assertArrayEquals(new long[] {150, NEVER}, ForwardingLag.lags(acks, polls));
    assertEquals(1, ForwardingLag.never(ForwardingLag.lags(acks, polls)));
  }

  @Test
  void lag_withoutAnyPoll_isNever() {
    Samples none = new Samples(new long[0], new long[0]);

    assertArrayEquals(new long[] {NEVER},
        ForwardingLag.lags(new Acks(new long[] {1}, new long[] {5}), none));
  }

  @Test
  void cursorThatWentBack_doesNotUndoWhatAnEarlierPollSaw() {
    Samples replayed = new Samples(new long[] {100, 200, 300}, new long[] {10, 4, 12});

    assertEquals(100, replayed.firstReaching(8));
    assertEquals(10, replayed.cursorAt(250));
    assertEquals(300, replayed.firstReaching(11));
  }

  @Test
  void cursorAt_isTheLastPollAtOrBeforeTheTime_andZeroBeforeTheFirst() {
    Samples polls = new Samples(new long[] {100, 200, 300}, new long[] {5, 9, 20});

    assertEquals(0, polls.cursorAt(99));
    assertEquals(5, polls.cursorAt(100));
    assertEquals(9, polls.cursorAt(299));
    assertEquals(20, polls.cursorAt(1_000));
  }

  @Test
  void percentile_isTheNearestRank() {
    long[] lags = {50, 10, 40, 20, 30, 60, 70, 80, 90, 100};

    assertEquals(50, ForwardingLag.percentile(lags, 50));
    assertEquals(100, ForwardingLag.percentile(lags, 99));
    assertEquals(10, ForwardingLag.percentile(lags, 1));
    assertEquals(100, ForwardingLag.percentile(lags, 100));
    assertEquals(0, ForwardingLag.percentile(new long[0], 99));
  }

  @Test
  void percentile_countsEntriesNeverDelivered_asTheLongestLags() {
    long[] lags = new long[100];
    java.util.Arrays.fill(lags, 5);
    lags[0] = NEVER;
    lags[1] = NEVER;

    assertEquals(NEVER, ForwardingLag.percentile(lags, 99));
    assertEquals(5, ForwardingLag.percentile(lags, 98));
  }

  @Test
  void samples_outOfTimeOrder_areRefused() {
    var e = assertThrows(IllegalArgumentException.class,
        () -> new Samples(new long[] {200, 100}, new long[] {1, 2}));
    assertTrue(e.getMessage().contains("nanos must not decrease"), e.getMessage());
    assertThrows(IllegalArgumentException.class,
        () -> new Acks(new long[] {1, 2}, new long[] {1}));
  }

  @Test
  void result_forwardedRate_catchUp_andLagPercentiles() {
    // Window [1 s, 3 s): the cursor moves from 1,000 to 5,000 in it; the last entry, 6,000,
    // answered at 3.1 s, is seen delivered at 3.5 s.
    long s = 1_000_000_000L;
    Samples polls = new Samples(new long[] {s, 2 * s, 3 * s, 3 * s + s / 2},
        new long[] {1_000, 3_000, 5_000, 6_000});
    Acks acks = new Acks(new long[] {1_001, 5_000, 6_000},
        new long[] {s + s / 10, 2 * s + s / 2, 3 * s + s / 10});
    var index = new ForwardingResult.Completeness(6_003, 6_000, 3);

    ForwardingResult r = ForwardingResult.of("test", 1, null, acks, polls, s, 3 * s, index);

    assertEquals(2_000, r.forwardedPerSecond(), 1e-9);
    assertEquals(0.4, r.catchUpSeconds(), 1e-9);
    assertEquals(3, r.entries());
    assertEquals(0, r.neverForwarded());
    assertEquals(s / 2, r.lagP50Nanos()); // 0.9 s, 0.5 s, 0.4 s
    assertEquals(9 * s / 10, r.lagP99Nanos());
    assertEquals(9 * s / 10, r.lagMaxNanos());
    assertTrue(r.lagGoalMet());
    assertTrue(r.index().complete());
  }

  @Test
  void result_whenTheLastEntryWasNeverSeen_hasNoCatchUp_andMissesTheGoal() {
    Samples polls = new Samples(new long[] {10, 20}, new long[] {1, 1});
    Acks acks = new Acks(new long[] {1, 2}, new long[] {5, 6});

    ForwardingResult r = ForwardingResult.of("test", 1, null, acks, polls, 0, 20,
        new ForwardingResult.Completeness(1, 1, 0));

    assertTrue(Double.isNaN(r.catchUpSeconds()));
    assertEquals(NEVER, r.lagMaxNanos());
    assertEquals(1, r.neverForwarded());
    assertFalse(r.lagGoalMet());
  }
}
