package dev.auditlog.server.forward;

import dev.auditlog.api.v1.Checkpoint;
import dev.auditlog.api.v1.Entry;
import dev.auditlog.server.store.ForwardCursor;
import dev.auditlog.server.store.ForwardingStore;
import dev.auditlog.server.store.ForwardingStore.Lease;
import dev.auditlog.server.store.StoreException;
import dev.auditlog.server.store.StoredCheckpoint;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers one log to one destination, on a thread of its own: in seq order, at least once,
 * from a durable cursor; the log is the buffer, so a slow or dead destination only makes the
 * lag grow and never touches ingestion.
 *
 * <p>The loop: take the lease (one server instance forwards a destination's log; the others
 * stand by and take over when its lease ends); read the cursor; read the entries after it
 * (stopping at a gap: an entry not yet committed is waited for, never skipped) and the
 * checkpoints made since, each placed after the entry it covers, forwarding only those whose
 * signature the server trusts; deliver them; move the cursor over what the destination
 * acknowledged. A transient failure is retried with exponential backoff and jitter (at least
 * the receiver's Retry-After); a batch too large is split; a permanent refusal (401, 403, a
 * format error) pauses the destination with its reason until an operator resumes it.
 */
final class Forwarder implements Runnable {
  private static final Logger log = LoggerFactory.getLogger(Forwarder.class);

  /** Timing of a forwarder; all positive. */
  record Timing(Duration poll, Duration standby, Duration initialBackoff, Duration maxBackoff) {
    static final Timing DEFAULT = new Timing(Duration.ofMillis(200), Duration.ofSeconds(5),
        Duration.ofMillis(500), Duration.ofSeconds(60));
  }

  /** Sleeps; returns false when interrupted (the forwarder stops). */
  interface Sleeper {
    boolean sleep(Duration d);

    Sleeper REAL = d -> {
      try {
        Thread.sleep(d.toMillis());
        return true;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    };
  }

  private final ForwardingStore store;
  private final String logId;
  private final Destination destination;
  private final int batchSize;
  private final Predicate<Checkpoint> trusted;
  private final Timing timing;
  private final Sleeper sleeper;
  private final Backoff backoff;
  private volatile boolean running = true;
  private volatile boolean leading;

  /**
   * @param trusted whether a stored checkpoint's signature verifies with a key the server
   *     trusts; only those are forwarded
   */
  Forwarder(ForwardingStore store, String logId, Destination destination, int batchSize,
      Predicate<Checkpoint> trusted, Timing timing, Sleeper sleeper) {
    this.store = store;
    this.logId = logId;
    this.destination = destination;
    this.batchSize = batchSize;
    this.trusted = trusted;
    this.timing = timing;
    this.sleeper = sleeper;
    this.backoff = new Backoff(timing.initialBackoff(), timing.maxBackoff(), Math::random);
  }

  String destination() {
    return destination.name();
  }

  String logId() {
    return logId;
  }

  /** Whether this server instance holds the lease and forwards now. */
  boolean leading() {
    return leading;
  }

  /** Ends the loop after the current step; the caller interrupts the thread too. */
  void stop() {
    running = false;
  }

  @Override
  public void run() {
    while (running && !Thread.currentThread().isInterrupted()) {
      Optional<Lease> lease = lease();
      if (lease.isEmpty()) {
        if (!sleeper.sleep(timing.standby())) {
          return;
        }
        continue;
      }
      try (Lease held = lease.get()) {
        leading = true;
        log.info("forwarding log '{}' to {}", logId, destination.name());
        forwardWhileLeading(held);
      } finally {
        leading = false;
      }
    }
  }

  private Optional<Lease> lease() {
    try {
      return store.tryLead(destination.name(), logId);
    } catch (StoreException e) {
      log.warn("forwarding to {}: cannot take the lease: {}", destination.name(), e.getMessage());
      return Optional.empty();
    }
  }

  private void forwardWhileLeading(Lease lease) {
    while (running && lease.valid()) {
      boolean worked;
      try {
        worked = step();
      } catch (StoreException e) {
        log.warn("forwarding to {}: store failed: {}", destination.name(), e.getMessage());
        worked = false;
      }
      if (!worked && !sleeper.sleep(timing.poll())) {
        return;
      }
    }
  }

  /** One batch: read, deliver, advance. False when there was nothing to do. */
  boolean step() throws StoreException {
    ForwardCursor cursor = store.cursor(destination.name(), logId);
    if (cursor.paused() != null) {
      return false;
    }
    Batch batch = next(cursor);
    if (batch.items().isEmpty()) {
      if (batch.checkpointId() > cursor.checkpointId()) {
        store.advance(destination.name(), logId, cursor.seq(), batch.checkpointId());
      }
      return false;
    }
    deliver(batch.items());
    return true;
  }

  /** A record and where the cursor stands once it is delivered. */
  record Item(ForwardRecord record, long seqAfter, long checkpointIdAfter) {}

  /** What to deliver next, and how far the checkpoints were read (untrusted ones skipped). */
  record Batch(List<Item> items, long checkpointId) {}

  /** The entries after the cursor up to the first gap, with the checkpoints they reach. */
  Batch next(ForwardCursor cursor) throws StoreException {
    List<Entry> entries = store.entries(logId, cursor.seq(), batchSize);
    List<StoredCheckpoint> checkpoints = store.checkpoints(logId, cursor.checkpointId(), batchSize);
    List<Item> items = new ArrayList<>();
    long seq = cursor.seq();
    long checkpointId = cursor.checkpointId();
    int e = 0;
    int c = 0;
    while (items.size() < batchSize) {
      StoredCheckpoint cp = c < checkpoints.size() ? checkpoints.get(c) : null;
      if (cp != null && cp.checkpoint().getSeq() <= seq) {
        c++;
        checkpointId = cp.id();
        if (trusted.test(cp.checkpoint())) {
          items.add(new Item(new ForwardRecord.CheckpointRecord(logId, cp.checkpoint()), seq,
              checkpointId));
        }
      } else if (e < entries.size() && entries.get(e).getSeq() == seq + 1) {
        seq++;
        items.add(new Item(new ForwardRecord.EntryRecord(logId, entries.get(e++)), seq,
            checkpointId));
      } else {
        break; // the next entry is not committed yet, or the batch is read
      }
    }
    return new Batch(items, checkpointId);
  }

  /** Delivers the items, splitting on 413 and retrying transient failures. */
  private void deliver(List<Item> items) throws StoreException {
    int done = 0;
    int chunk = items.size();
    while (done < items.size() && running) {
      List<Item> part = items.subList(done, Math.min(items.size(), done + chunk));
      try {
        int n = destination.deliver(part.stream().map(Item::record).toList());
        done += advance(part, n);
        backoff.reset();
        if (n == 0 && !retryLater(null)) {
          return;
        }
      } catch (DeliveryException e) {
        done += advance(part, e.delivered());
        if (e.delivered() > 0) {
          backoff.reset(); // progress: the receiver is slow, not away
        }
        switch (e.kind()) {
          case TOO_LARGE -> {
            if (part.size() - e.delivered() <= 1) {
              pause("a single record (seq " + part.get(e.delivered()).record().seq()
                  + ") is too large for the destination: " + e.getMessage());
              return;
            }
            chunk = Math.max(1, (part.size() - e.delivered()) / 2);
          }
          case PERMANENT -> {
            pause(e.getMessage());
            return;
          }
          default -> {
            store.failed(destination.name(), logId, e.getMessage(), false);
            log.warn("forwarding log '{}' to {} failed, retrying: {}", logId,
                destination.name(), e.getMessage());
            if (!retryLater(e.retryAfter())) {
              return;
            }
          }
        }
      }
    }
  }

  /** Moves the cursor over the first {@code n} items of {@code part}; returns n. */
  private int advance(List<Item> part, int n) throws StoreException {
    if (n > 0) {
      Item last = part.get(n - 1);
      store.advance(destination.name(), logId, last.seqAfter(), last.checkpointIdAfter());
    }
    return n;
  }

  private boolean retryLater(Duration retryAfter) {
    return sleeper.sleep(backoff.next(retryAfter));
  }

  private void pause(String reason) throws StoreException {
    log.error("forwarding log '{}' to {} is PAUSED: {} (resume with 'audit forwarders"
        + " --replay')", logId, destination.name(), reason);
    store.failed(destination.name(), logId, reason, true);
  }
}
