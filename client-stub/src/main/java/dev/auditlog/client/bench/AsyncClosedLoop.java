package dev.auditlog.client.bench;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

/**
 * A closed-loop run with asynchronous calls: N callers, each with one request outstanding,
 * sending the next as soon as the answer arrives, without a thread per caller. Measures
 * the same as {@link ClosedLoop} while the load generator takes less of the machine's CPU
 * away from the server it measures.
 */
final class AsyncClosedLoop {
  private final String name;
  private final int callers;
  private final int eventsPerCall;
  private final Duration warmup;
  private final Duration duration;
  private final Histogram latency = new ConcurrentHistogram(TimeUnit.MINUTES.toMicros(1), 3);
  private final LongAdder events = new LongAdder();
  private final LongAdder errors = new LongAdder();
  private final Executor afterFailure = ForkJoinPool.commonPool();
  private volatile Throwable firstError;

  AsyncClosedLoop(String name, int callers, int eventsPerCall, Duration warmup,
      Duration duration) {
    this.name = name;
    this.callers = callers;
    this.eventsPerCall = eventsPerCall;
    this.warmup = warmup;
    this.duration = duration;
  }

  /** Runs the callers; each future of {@code send} yields the number of events stored. */
  Result run(Supplier<CompletableFuture<Integer>> send, CpuProbe cpu) throws InterruptedException {
    long from = System.nanoTime() + warmup.toNanos();
    long to = from + duration.toNanos();
    CountDownLatch done = new CountDownLatch(callers);
    for (int i = 0; i < callers; i++) {
      next(send, from, to, done);
    }
    double[] cpuFrom = ClosedLoop.sleepUntilThenRead(from, cpu);
    double[] cpuTo = ClosedLoop.sleepUntilThenRead(to, cpu);
    done.await(60, TimeUnit.SECONDS);
    if (firstError != null) {
      System.err.println(name + ": first error: " + firstError);
    }
    return Result.of(name, events.sum(), errors.sum(), duration.toNanos() / 1e9, latency,
        cpuFrom, cpuTo);
  }

  private void next(Supplier<CompletableFuture<Integer>> send, long from, long to,
      CountDownLatch done) {
    long start = System.nanoTime();
    if (start >= to) {
      done.countDown();
      return;
    }
    CompletableFuture<Integer> call;
    try {
      call = send.get();
    } catch (RuntimeException e) {
      call = CompletableFuture.failedFuture(e);
    }
    call.whenComplete((stored, failure) -> {
      long end = System.nanoTime();
      if (start >= from && end <= to) {
        int ok = failure == null ? stored : 0;
        latency.recordValue(Math.max(1, (end - start) / 1000));
        events.add(ok);
        errors.add(eventsPerCall - ok);
      }
      if (failure != null) {
        if (firstError == null) {
          firstError = failure;
        }
        // A call may fail at once; continuing elsewhere keeps the stack from growing.
        afterFailure.execute(() -> next(send, from, to, done));
      } else {
        next(send, from, to, done);
      }
    });
  }
}
