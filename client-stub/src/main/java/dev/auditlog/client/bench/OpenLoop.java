package dev.auditlog.client.bench;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

/**
 * An open-loop run: requests go out on a fixed schedule whether or not earlier ones were
 * answered, and each latency is measured from the time the request was due, not from when
 * it was actually sent. A slow server therefore shows up in the percentiles instead of
 * silently lowering the rate (no coordinated omission).
 */
final class OpenLoop {
  private static final long DRAIN_NANOS = TimeUnit.SECONDS.toNanos(30);
  /**
   * The shortest sleep between sends. Above 5,000 calls/s the generator wakes every 200 us
   * and sends every call that is due: waking for each call (every 100 us at 10,000/s) and
   * handing each to the network thread on its own cost it about 48 us of CPU per call, taken
   * from the cores the server and PostgreSQL share with it. A call sent late by the tick is
   * still timed from when it was due, so the lateness counts against the server.
   */
  private static final long TICK_NANOS = TimeUnit.MICROSECONDS.toNanos(200);

  private final String name;
  private final double eventsPerSecond;
  private final int eventsPerCall;
  private final Duration warmup;
  private final Duration duration;
  private final Histogram latency = new ConcurrentHistogram(TimeUnit.MINUTES.toMicros(1), 3);
  private final LongAdder events = new LongAdder();
  private final LongAdder errors = new LongAdder();
  private final AtomicInteger outstanding = new AtomicInteger();
  private final AtomicLong lastEnd = new AtomicLong();
  private volatile Throwable firstError;
  private volatile long windowStart;
  private volatile long windowEnd;

  OpenLoop(String name, double eventsPerSecond, int eventsPerCall, Duration warmup,
      Duration duration) {
    this.name = name;
    this.eventsPerSecond = eventsPerSecond;
    this.eventsPerCall = eventsPerCall;
    this.warmup = warmup;
    this.duration = duration;
  }

  /**
   * Sends {@code send}'s requests on schedule; each future yields the number of events
   * stored. Waits up to 30 s after the window for outstanding answers.
   */
  Result run(Supplier<CompletableFuture<Integer>> send, CpuProbe cpu) {
    long interval = (long) (1e9 * eventsPerCall / eventsPerSecond);
    long begin = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(10);
    long from = begin + warmup.toNanos();
    long to = from + duration.toNanos();
    windowStart = from;
    windowEnd = to;
    double[] cpuFrom = null;
    for (long i = 0; ; i++) {
      long due = begin + i * interval;
      if (due >= to) {
        break;
      }
      if (cpuFrom == null && due >= from) {
        cpuFrom = ClosedLoop.sleepUntilThenRead(from, cpu);
      }
      for (long left; (left = due - System.nanoTime()) > 0; ) {
        LockSupport.parkNanos(interval < TICK_NANOS ? Math.max(left, TICK_NANOS) : left);
      }
      sendOne(send, due, due >= from);
    }
    long end = drain(to);
    double[] cpuTo = cpu.read();
    if (cpuFrom == null) {
      cpuFrom = cpuTo;
    }
    if (firstError != null) {
      System.err.println(name + ": first error: " + firstError);
    }
    double seconds = end - from;
    return Result.of(name, events.sum(), errors.sum(), seconds / 1e9, latency, cpuFrom, cpuTo);
  }

  /** When the measured window of the last {@link #run} began ({@link System#nanoTime()}). */
  long windowStart() {
    return windowStart;
  }

  /** When the measured window of the last {@link #run} ended: the last call was due before. */
  long windowEnd() {
    return windowEnd;
  }

  private void sendOne(Supplier<CompletableFuture<Integer>> send, long due, boolean measured) {
    outstanding.incrementAndGet();
    CompletableFuture<Integer> f;
    try {
      f = send.get();
    } catch (RuntimeException e) {
      f = CompletableFuture.failedFuture(e);
    }
    f.whenComplete((stored, failure) -> {
      long now = System.nanoTime();
      if (measured) {
        latency.recordValue(Math.max(1, (now - due) / 1000));
        int ok = failure == null ? stored : 0;
        events.add(ok);
        errors.add(eventsPerCall - ok);
        lastEnd.accumulateAndGet(now, Math::max);
        if (failure != null && firstError == null) {
          firstError = failure;
        }
      }
      outstanding.decrementAndGet();
    });
  }

  /** Waits for the answers still outstanding; returns when the last measured one came. */
  private long drain(long to) {
    long deadline = System.nanoTime() + DRAIN_NANOS;
    while (outstanding.get() > 0 && System.nanoTime() < deadline) {
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
    }
    errors.add((long) outstanding.get() * eventsPerCall);
    return Math.max(to, lastEnd.get());
  }
}
