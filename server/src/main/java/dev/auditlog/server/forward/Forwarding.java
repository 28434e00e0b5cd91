package dev.auditlog.server.forward;

import dev.auditlog.api.v1.Checkpoint;
import dev.auditlog.api.v1.Entry;
import dev.auditlog.server.store.ForwardCursor;
import dev.auditlog.server.store.ForwardingStore;
import dev.auditlog.server.store.LogHead;
import dev.auditlog.server.store.StoreException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * The forwarders of a server: one per configured destination, each delivering the log on a
 * thread of its own; and what operators see and do: each destination's status, and replay
 * from a seq (which also resumes a paused destination). Thread-safe.
 */
public final class Forwarding implements AutoCloseable {
  private final ForwardingStore store;
  private final String logId;
  private final List<Forwarder> forwarders;
  private final List<Destination> destinations;
  private final List<Thread> threads = new ArrayList<>();

  private Forwarding(ForwardingStore store, String logId, List<Forwarder> forwarders,
      List<Destination> destinations) {
    this.store = store;
    this.logId = logId;
    this.forwarders = forwarders;
    this.destinations = destinations;
  }

  /**
   * Starts a forwarder for each destination of {@code config}.
   *
   * @param trusted whether a stored checkpoint's signature verifies with a trusted key
   */
  public static Forwarding start(ForwardingConfig config, ForwardingStore store, String logId,
      Predicate<Checkpoint> trusted) {
    Forwarder.Timing timing = new Forwarder.Timing(config.poll(),
        Forwarder.Timing.DEFAULT.standby(), Forwarder.Timing.DEFAULT.initialBackoff(),
        Forwarder.Timing.DEFAULT.maxBackoff());
    List<Forwarder> forwarders = new ArrayList<>();
    for (int i = 0; i < config.destinations().size(); i++) {
      forwarders.add(new Forwarder(store, logId, config.destinations().get(i),
          config.batchSizes().get(i), trusted, timing, Forwarder.Sleeper.REAL));
    }
    Forwarding f = new Forwarding(store, logId, forwarders, config.destinations());
    for (Forwarder forwarder : forwarders) {
      Thread t = new Thread(forwarder, "forward-" + forwarder.destination() + "-" + logId);
      f.threads.add(t);
      t.start();
    }
    return f;
  }

  /**
   * The state of one destination: its cursor, how far behind the head it is in entries and
   * in time (the age of the oldest entry not yet delivered), and whether this server
   * instance forwards it now (another may hold the lease).
   */
  public record Status(ForwardCursor cursor, long headSeq, long lagEntries, Duration lag,
      boolean forwardingHere) {}

  /** The status of every configured destination. */
  public List<Status> status() throws StoreException {
    LogHead head = store.head(logId);
    List<Status> all = new ArrayList<>();
    for (Forwarder f : forwarders) {
      ForwardCursor c = store.cursor(f.destination(), logId);
      long behind = Math.max(0, head.seq() - c.seq());
      Duration lag = Duration.ZERO;
      if (behind > 0) {
        List<Entry> oldest = store.entries(logId, c.seq(), 1);
        if (!oldest.isEmpty()) {
          var t = oldest.get(0).getRecordedAt();
          lag = Duration.between(Instant.ofEpochSecond(t.getSeconds(), t.getNanos()),
              head.clock());
        }
      }
      all.add(new Status(c, head.seq(), behind, lag.isNegative() ? Duration.ZERO : lag,
          f.leading()));
    }
    return all;
  }

  /**
   * Delivers the log to {@code destination} again from {@code fromSeq}, and resumes it if it
   * is paused; {@code fromSeq} 0 only resumes.
   *
   * @throws IllegalArgumentException if no destination has that name
   */
  public void replay(String destination, long fromSeq) throws StoreException {
    if (forwarders.stream().noneMatch(f -> f.destination().equals(destination))) {
      throw new IllegalArgumentException("no forwarding destination named '" + destination
          + "'");
    }
    store.replay(destination, logId, fromSeq);
  }

  /** Stops every forwarder (a delivery in progress is abandoned and sent again later). */
  @Override
  public void close() {
    forwarders.forEach(Forwarder::stop);
    threads.forEach(Thread::interrupt);
    for (Thread t : threads) {
      try {
        t.join(TimeUnit.SECONDS.toMillis(10));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    destinations.forEach(Destination::close);
  }
}
