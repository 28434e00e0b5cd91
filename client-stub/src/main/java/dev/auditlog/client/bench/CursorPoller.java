package dev.auditlog.client.bench;

import dev.auditlog.api.v1.AuditLogGrpc;
import dev.auditlog.api.v1.ForwarderStatus;
import dev.auditlog.api.v1.ListForwardersRequest;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Polls ListForwarders at a fixed interval on a thread of its own and records one
 * destination's cursor with the time each answer came, for {@link ForwardingLag}. Reads as a
 * reader identity (the development {@code auditor}). Thread-safe.
 */
final class CursorPoller implements AutoCloseable {
  private final ManagedChannel channel;
  private final String destination;
  private final long intervalNanos;
  private final Thread thread;
  private long[] nanos = new long[1024];
  private long[] cursors = new long[1024];
  private int size;
  private long failures;
  private String lastFailure = "";
  private volatile boolean running = true;

  /** Starts polling {@code destination}'s cursor on {@code target} every {@code interval}. */
  CursorPoller(String target, Path certs, String reader, String destination,
      Duration interval) throws IOException {
    this.channel = GrpcLoad.mutualTls(target, certs, reader);
    this.destination = destination;
    this.intervalNanos = interval.toNanos();
    this.thread = new Thread(this::loop, "cursor-poller");
    thread.setDaemon(true);
    thread.start();
  }

  private void loop() {
    var stub = AuditLogGrpc.newBlockingStub(channel);
    long next = System.nanoTime();
    while (running) {
      poll(stub);
      // After a slow answer the next poll goes out at once, not a burst to make up for it.
      next = Math.max(next + intervalNanos, System.nanoTime());
      for (long left; running && (left = next - System.nanoTime()) > 0; ) {
        LockSupport.parkNanos(left);
      }
    }
  }

  private void poll(AuditLogGrpc.AuditLogBlockingStub stub) {
    try {
      var answer = stub.withDeadlineAfter(5, TimeUnit.SECONDS)
          .listForwarders(ListForwardersRequest.getDefaultInstance());
      long now = System.nanoTime();
      for (ForwarderStatus f : answer.getForwardersList()) {
        if (f.getDestination().equals(destination)) {
          record(now, f.getCursorSeq());
        }
      }
    } catch (StatusRuntimeException e) {
      failed(e);
    }
  }

  private synchronized void record(long time, long cursor) {
    if (size == nanos.length) {
      nanos = Arrays.copyOf(nanos, size * 2);
      cursors = Arrays.copyOf(cursors, size * 2);
    }
    nanos[size] = time;
    cursors[size++] = cursor;
  }

  private synchronized void failed(StatusRuntimeException e) {
    failures++;
    lastFailure = e.getStatus().toString();
  }

  /** The polls so far. */
  synchronized ForwardingLag.Samples samples() {
    return new ForwardingLag.Samples(Arrays.copyOf(nanos, size), Arrays.copyOf(cursors, size));
  }

  /** The cursor of the latest poll; 0 before the first. */
  synchronized long latest() {
    return size == 0 ? 0 : cursors[size - 1];
  }

  /** Polls that failed, and the last failure's status; for the console. */
  synchronized String failures() {
    return failures == 0 ? "none" : failures + ", last " + lastFailure;
  }

  /**
   * Waits until a poll sees the cursor at {@code seq} or beyond, at most {@code timeout}.
   *
   * @return whether it did
   */
  boolean awaitCursor(long seq, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (latest() < seq) {
      if (System.nanoTime() > deadline) {
        return false;
      }
      Thread.sleep(20);
    }
    return true;
  }

  @Override
  public void close() throws InterruptedException {
    running = false;
    LockSupport.unpark(thread);
    thread.join(10_000);
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
  }
}
