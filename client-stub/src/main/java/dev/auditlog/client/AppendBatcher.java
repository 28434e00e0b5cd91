package dev.auditlog.client;

import dev.auditlog.api.v1.AppendBatchRequest;
import dev.auditlog.api.v1.AppendResponse;
import dev.auditlog.api.v1.AuditEvent;
import dev.auditlog.api.v1.AuditLogGrpc;
import io.grpc.Channel;
import io.grpc.Metadata;
import io.grpc.Status;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;

/**
 * Coalesces the events of {@link AuditClient#appendAsync} into AppendBatch calls; each event
 * keeps its own future, result, deadline and retries ({@link BatchCall} decides what an
 * answer means for each).
 *
 * <p><b>When a batch goes out.</b> Events queue up. The queue goes out as one batch at once
 * while fewer than {@link #EAGER_IN_FLIGHT} batches are in flight, so a lone event waits for
 * nothing; otherwise as soon as it holds {@code maxEvents} events or {@code maxBatchBytes}
 * bytes, when a batch in flight is answered, and at the latest {@code linger} after it
 * stopped being empty. Under load, events ride together while the batches before them are
 * committed, as the server's own group commit takes what arrived while it was busy.
 *
 * <p><b>Memory</b> is bounded: at most {@code maxPendingEvents} events and {@code
 * maxPendingBytes} bytes are accepted and not yet answered; {@link #submit} fails at once with
 * RESOURCE_EXHAUSTED beyond that. One scheduler thread runs the linger timer and the retry
 * pauses; calls are started by whichever thread made a batch ready.
 *
 * <p>Thread-safe. Invariants, under {@link #lock}: an event is in {@link #pending} from
 * {@link #submit} until its future is completed, and meanwhile in exactly one of the queue, a
 * call in flight, or a scheduled retry; {@link #inFlight} counts calls started and not yet
 * finished. Futures are completed and calls started outside the lock.
 */
final class AppendBatcher {
  /** Batches in flight below which the queue is sent at once rather than lingering. */
  static final int EAGER_IN_FLIGHT = 2;

  private final Channel channel;
  private final BatchingSettings settings;
  private final ScheduledExecutorService scheduler;
  private final LongSupplier nanoTime;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition idle = lock.newCondition();
  private final ArrayDeque<PendingAppend> queue = new ArrayDeque<>();
  private final Set<PendingAppend> pending = new HashSet<>();
  private long queuedBytes;
  private long pendingBytes;
  private int inFlight;
  private boolean timerArmed;
  private boolean closed;
  /** Lowered when the server refuses a batch as too large (a lower --max-batch). */
  private int maxEvents;
  /** Lowered when the server refuses a batch as too large (a lower --max-message-bytes). */
  private int maxBatchBytes;

  AppendBatcher(Channel channel, BatchingSettings settings, ScheduledExecutorService scheduler,
      LongSupplier nanoTime) {
    this.channel = channel;
    this.settings = settings;
    this.scheduler = scheduler;
    this.nanoTime = nanoTime;
    this.maxEvents = settings.maxEvents();
    this.maxBatchBytes = settings.maxBatchBytes();
  }

  /** A batcher with its own scheduler thread (a daemon) and the system clock. */
  static AppendBatcher start(Channel channel, BatchingSettings settings) {
    ScheduledThreadPoolExecutor scheduler = new ScheduledThreadPoolExecutor(1, r -> {
      Thread t = new Thread(r, "audit-client-batcher");
      t.setDaemon(true);
      return t;
    });
    scheduler.setRemoveOnCancelPolicy(true);
    return new AppendBatcher(channel, settings, scheduler, System::nanoTime);
  }

  /** Whether {@code event} fits in a batch; a larger one must go alone, as a unary Append. */
  boolean fits(AuditEvent event) {
    return PendingAppend.sizeInBatch(event) <= settings.maxBatchBytes();
  }

  /**
   * Queues {@code event} (its {@code event_id} set) to be answered within {@code deadline}.
   * The future fails at once with RESOURCE_EXHAUSTED when the pending limits are reached, and
   * with UNAVAILABLE after {@link #close}.
   */
  CompletableFuture<AppendResponse> submit(AuditEvent event, Duration deadline) {
    PendingAppend p = new PendingAppend(event, nanoTime.getAsLong() + deadline.toNanos());
    List<List<PendingAppend>> ready;
    lock.lock();
    try {
      Status refused = admit(p);
      if (refused != null) {
        return CompletableFuture.failedFuture(refused.asRuntimeException());
      }
      queue.addLast(p);
      queuedBytes += p.size;
      ready = takeReady();
    } finally {
      lock.unlock();
    }
    send(ready);
    return p.future;
  }

  private Status admit(PendingAppend p) {
    if (closed) {
      return Status.UNAVAILABLE.withDescription("the audit client is closed");
    }
    if (pending.size() >= settings.maxPendingEvents()
        || pendingBytes + p.size > settings.maxPendingBytes()) {
      return Status.RESOURCE_EXHAUSTED.withDescription(String.format(
          "client: %d events (%d bytes) are waiting for an answer, the most maxPending allows"
              + " is %d events or %d bytes; wait for some to complete, or raise maxPending",
          pending.size(), pendingBytes, settings.maxPendingEvents(),
          settings.maxPendingBytes()));
    }
    pending.add(p);
    pendingBytes += p.size;
    return null;
  }

  /** Under the lock: the batches to send now; arms the linger timer for what stays queued. */
  private List<List<PendingAppend>> takeReady() {
    List<List<PendingAppend>> ready = new ArrayList<>(1);
    while (!queue.isEmpty() && (closed || inFlight < EAGER_IN_FLIGHT
        || queue.size() >= maxEvents || queuedBytes >= maxBatchBytes)) {
      ready.add(takeBatch());
    }
    if (!queue.isEmpty() && !timerArmed) {
      timerArmed = true;
      try {
        scheduler.schedule(this::lingerOver, settings.linger().toNanos(), TimeUnit.NANOSECONDS);
      } catch (RejectedExecutionException e) {
        timerArmed = false; // shut down by close(), which fails what is left
      }
    }
    return ready;
  }

  /** Under the lock: the oldest queued events, as many as one batch may carry. */
  private List<PendingAppend> takeBatch() {
    List<PendingAppend> batch = new ArrayList<>(Math.min(queue.size(), maxEvents));
    long bytes = 0;
    while (!queue.isEmpty() && batch.size() < maxEvents) {
      PendingAppend p = queue.peekFirst();
      if (!batch.isEmpty() && bytes + p.size > maxBatchBytes) {
        break;
      }
      queue.pollFirst();
      queuedBytes -= p.size;
      bytes += p.size;
      batch.add(p);
    }
    inFlight++;
    return batch;
  }

  private void lingerOver() {
    List<List<PendingAppend>> ready = new ArrayList<>();
    lock.lock();
    try {
      timerArmed = false;
      while (!queue.isEmpty()) {
        ready.add(takeBatch());
      }
    } finally {
      lock.unlock();
    }
    send(ready);
  }

  private void send(List<List<PendingAppend>> batches) {
    for (List<PendingAppend> batch : batches) {
      start(batch);
    }
  }

  /** Starts one AppendBatch call whose deadline is the earliest of its events' deadlines. */
  private void start(List<PendingAppend> batch) {
    long now = nanoTime.getAsLong();
    AppendBatchRequest.Builder request = AppendBatchRequest.newBuilder();
    List<PendingAppend> live = new ArrayList<>(batch.size());
    long remaining = Long.MAX_VALUE;
    for (PendingAppend p : batch) {
      long left = p.deadlineNanos - now;
      if (left <= 0) {
        fail(p, Status.DEADLINE_EXCEEDED.withDescription(
            "deadline exceeded after " + p.attempts() + " attempts"), null);
      } else {
        p.sent();
        live.add(p);
        request.addEvents(p.event);
        remaining = Math.min(remaining, left);
      }
    }
    if (live.isEmpty()) {
      callEnded();
      return;
    }
    BatchCall call = new BatchCall(this, live);
    try {
      AuditLogGrpc.newStub(channel).withDeadlineAfter(remaining, TimeUnit.NANOSECONDS)
          .appendBatch(request.build(), call);
    } catch (RuntimeException e) {
      call.onError(e);
    }
  }

  /** Called once per call started, after its events were answered, retried or failed. */
  void callEnded() {
    List<List<PendingAppend>> ready;
    lock.lock();
    try {
      inFlight--;
      ready = takeReady();
    } finally {
      lock.unlock();
    }
    send(ready);
  }

  void succeed(PendingAppend p, AppendResponse response) {
    release(p);
    p.future.complete(response);
  }

  void fail(PendingAppend p, Status status, Metadata trailers) {
    release(p);
    p.future.completeExceptionally(status.asRuntimeException(trailers));
  }

  // Before the future completes: a caller that appends again from its callback has room.
  private void release(PendingAppend p) {
    lock.lock();
    try {
      if (pending.remove(p)) {
        pendingBytes -= p.size;
        if (pending.isEmpty()) {
          idle.signalAll();
        }
      }
    } finally {
      lock.unlock();
    }
  }

  /**
   * Sends {@code events} again, with their {@code event_id}s, after {@code delayNanos} (or
   * {@link RetryPolicy}'s backoff when negative), except those out of attempts or whose
   * deadline passes first: they fail with {@code status}.
   */
  void retry(List<PendingAppend> events, Status status, Metadata trailers, long delayNanos) {
    long now = nanoTime.getAsLong();
    int attempts = events.stream().mapToInt(PendingAppend::attempts).max().orElse(1);
    long delay = delayNanos >= 0 ? delayNanos : RetryPolicy.backoffNanos(attempts);
    List<PendingAppend> again = new ArrayList<>(events.size());
    for (PendingAppend p : events) {
      if (p.attempts() >= RetryPolicy.MAX_ATTEMPTS || p.deadlineNanos - (now + delay) <= 0) {
        fail(p, status, trailers);
      } else {
        again.add(p);
      }
    }
    if (again.isEmpty()) {
      return;
    }
    try {
      scheduler.schedule(() -> requeue(again, false), delay, TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException e) {
      again.forEach(p -> fail(p, status, trailers)); // closed meanwhile
    }
  }

  /**
   * Queues {@code events} again at once in smaller batches: the server refused their batch
   * for its size ({@code byCount}: too many events, else too many bytes), not for them.
   */
  void split(List<PendingAppend> events, boolean byCount) {
    lock.lock();
    try {
      if (byCount) {
        maxEvents = Math.max(1, Math.min(maxEvents, events.size() / 2));
      } else {
        long bytes = events.stream().mapToLong(p -> p.size).sum();
        maxBatchBytes = (int) Math.max(1, Math.min(maxBatchBytes, bytes / 2));
      }
    } finally {
      lock.unlock();
    }
    requeue(events, true);
  }

  private void requeue(List<PendingAppend> events, boolean unsent) {
    List<List<PendingAppend>> ready;
    lock.lock();
    try {
      for (int i = events.size() - 1; i >= 0; i--) {
        PendingAppend p = events.get(i);
        if (unsent) {
          p.unsent();
        }
        queue.addFirst(p);
        queuedBytes += p.size;
      }
      ready = takeReady();
    } finally {
      lock.unlock();
    }
    send(ready);
  }

  /**
   * Sends what is queued and waits, at most {@code wait}, until every pending event is
   * answered; then stops the scheduler and fails what is left with UNAVAILABLE. Later
   * submits fail with UNAVAILABLE. Restores the interrupt flag if interrupted.
   */
  void close(Duration wait) {
    List<List<PendingAppend>> ready;
    lock.lock();
    try {
      closed = true;
      ready = takeReady();
    } finally {
      lock.unlock();
    }
    send(ready);
    List<PendingAppend> left;
    lock.lock();
    try {
      long end = System.nanoTime() + wait.toNanos();
      for (long rest; !pending.isEmpty() && (rest = end - System.nanoTime()) > 0; ) {
        idle.awaitNanos(rest);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      left = new ArrayList<>(pending);
      lock.unlock();
    }
    scheduler.shutdownNow();
    left.forEach(p -> fail(p, Status.UNAVAILABLE.withDescription("the audit client was closed"
        + " before the event was answered; resend it with the same event_id"), null));
  }
}
