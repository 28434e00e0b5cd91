package dev.auditlog.client.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

/**
 * A closed-loop run: N callers, each on its own thread, send a request, wait for the
 * answer, and send the next at once. Measures the maximum throughput at that concurrency;
 * calls that started in the warm-up or ended after the window are not counted.
 */
final class ClosedLoop {
  private final String name;
  private final int callers;
  private final int eventsPerCall;
  private final Duration warmup;
  private final Duration duration;
  private final Histogram latency = new ConcurrentHistogram(TimeUnit.MINUTES.toMicros(1), 3);
  private final LongAdder events = new LongAdder();
  private final LongAdder errors = new LongAdder();
  private volatile Exception firstError;

  ClosedLoop(String name, int callers, int eventsPerCall, Duration warmup, Duration duration) {
    this.name = name;
    this.callers = callers;
    this.eventsPerCall = eventsPerCall;
    this.warmup = warmup;
    this.duration = duration;
  }

  /** Runs the callers from {@code factory} and measures the window. */
  Result run(Caller.Factory factory, CpuProbe cpu) throws Exception {
    List<Caller> opened = new ArrayList<>();
    try {
      for (int i = 0; i < callers; i++) {
        opened.add(factory.open());
      }
      long begin = System.nanoTime();
      long from = begin + warmup.toNanos();
      long to = from + duration.toNanos();
      List<Thread> threads = new ArrayList<>();
      for (Caller c : opened) {
        Thread t = new Thread(() -> loop(c, from, to), name + "-caller");
        t.setDaemon(true);
        threads.add(t);
        t.start();
      }
      double[] cpuFrom = sleepUntilThenRead(from, cpu);
      double[] cpuTo = sleepUntilThenRead(to, cpu);
      for (Thread t : threads) {
        t.join();
      }
      report();
      return Result.of(name, events.sum(), errors.sum(), duration.toNanos() / 1e9, latency,
          cpuFrom, cpuTo);
    } finally {
      for (Caller c : opened) {
        c.close();
      }
    }
  }

  private void loop(Caller caller, long from, long to) {
    long start;
    while ((start = System.nanoTime()) < to) {
      int stored;
      try {
        stored = caller.call();
      } catch (Exception e) {
        stored = 0;
        if (firstError == null) {
          firstError = e;
        }
      }
      long end = System.nanoTime();
      if (start >= from && end <= to) {
        latency.recordValue(Math.max(1, (end - start) / 1000));
        events.add(stored);
        errors.add(eventsPerCall - stored);
      }
    }
  }

  private void report() {
    if (firstError != null) {
      System.err.println(name + ": first error: " + firstError);
    }
  }

  static double[] sleepUntilThenRead(long deadline, CpuProbe cpu) {
    for (long left; (left = deadline - System.nanoTime()) > 0; ) {
      LockSupport.parkNanos(left);
    }
    return cpu.read();
  }
}
