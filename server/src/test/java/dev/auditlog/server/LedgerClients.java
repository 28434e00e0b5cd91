package dev.auditlog.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.auditlog.api.v1.AppendResponse;
import dev.auditlog.api.v1.AuditEvent;
import dev.auditlog.api.v1.AuditLogGrpc;
import dev.auditlog.api.v1.Entry;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Producers that keep a ledger: each appends fresh events one after another and resends an
 * event whose outcome it does not know, with the same event_id, until it is acknowledged, so
 * that every event tried ends up acknowledged exactly once. Each answer is stamped with
 * {@link System#nanoTime()}, so that a test can tell when appends stopped and started being
 * acknowledged. Thread-safe.
 */
final class LedgerClients {
  private final Map<String, AuditEvent> tried = new ConcurrentHashMap<>();
  private final Map<String, AppendResponse> acknowledged = new ConcurrentHashMap<>();
  private final List<Long> ackTimes = new ArrayList<>();
  private final List<Long> failureTimes = new ArrayList<>();
  private final AtomicLong resent = new AtomicLong();
  private final ExecutorService threads;
  private final Duration deadline;
  private volatile boolean running = true;
  private volatile boolean aborted;

  /**
   * Starts {@code clients} producers on {@code channel}; each append waits at most
   * {@code deadline} for its answer.
   */
  LedgerClients(ManagedChannel channel, int clients, Duration deadline) {
    this.deadline = deadline;
    this.threads = Executors.newFixedThreadPool(clients);
    for (int i = 0; i < clients; i++) {
      threads.execute(() -> appendUntilStopped(channel));
    }
  }

  private void appendUntilStopped(ManagedChannel channel) {
    AuditEvent pending = null;
    while (!aborted && (running || pending != null)) {
      AuditEvent event = pending != null ? pending : Events.registrationFailure();
      tried.putIfAbsent(event.getEventId(), event);
      try {
        AppendResponse response = AuditLogGrpc.newBlockingStub(channel)
            .withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS)
            .append(Events.request(event));
        record(ackTimes);
        acknowledged.put(event.getEventId(), response);
        pending = null;
      } catch (StatusRuntimeException e) {
        record(failureTimes);
        pending = event;
        resent.incrementAndGet();
        pause();
      }
    }
  }

  private static void record(List<Long> times) {
    long now = System.nanoTime();
    synchronized (times) {
      times.add(now);
    }
  }

  /** The client's pause before it resends: part of the load, not a wait of the test. */
  private static void pause() {
    try {
      Thread.sleep(100);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** How many events were acknowledged so far. */
  int acknowledged() {
    return acknowledged.size();
  }

  /** How many attempts failed (and were resent) so far. */
  long resent() {
    return resent.get();
  }

  /** When the first append acknowledged at or after {@code nanoTime} was answered. */
  OptionalLong firstAckAfter(long nanoTime) {
    return firstAfter(ackTimes, nanoTime);
  }

  /** When the last append acknowledged before {@code nanoTime} was answered. */
  OptionalLong lastAckBefore(long nanoTime) {
    synchronized (ackTimes) {
      return ackTimes.stream().mapToLong(Long::longValue).filter(t -> t - nanoTime < 0).max();
    }
  }

  /** When the first append that failed at or after {@code nanoTime} was answered. */
  OptionalLong firstFailureAfter(long nanoTime) {
    return firstAfter(failureTimes, nanoTime);
  }

  private static OptionalLong firstAfter(List<Long> times, long nanoTime) {
    synchronized (times) {
      return times.stream().mapToLong(Long::longValue).filter(t -> t - nanoTime >= 0).min();
    }
  }

  /** Stops taking new events and waits until every event tried is acknowledged. */
  void stop() throws InterruptedException {
    running = false;
    threads.shutdown();
    assertTrue(threads.awaitTermination(60, TimeUnit.SECONDS),
        "the producers' pending events were not acknowledged within 60 s");
  }

  /** Stops the producers at once, acknowledged or not (after a failed test). */
  void abort() {
    aborted = true;
    running = false;
    threads.shutdownNow();
  }

  /**
   * Checks the ledger against {@code stored}, the whole log from seq 1: every event tried was
   * acknowledged, every stored entry is an acknowledged event, stored once, at the seq and
   * with the chain hash it was acknowledged with.
   */
  void assertEveryAcknowledgedEventStoredOnce(List<Entry> stored) {
    assertEquals(tried.size(), acknowledged.size(), "events tried vs. acknowledged");
    assertEquals(acknowledged.size(), stored.size(), "events acknowledged vs. stored");
    for (Entry e : stored) {
      AppendResponse ack = acknowledged.get(e.getEventId());
      assertTrue(ack != null, "stored but not acknowledged: seq " + e.getSeq());
      assertEquals(ack.getSeq(), e.getSeq(), "seq of event " + e.getEventId());
      assertEquals(ack.getChainHash(), e.getChainHash(), "chain hash at seq " + e.getSeq());
    }
  }
}
