package dev.auditlog.server;

import dev.auditlog.server.store.AuditStore;
import dev.auditlog.server.store.StoreException;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pings the store at a fixed delay and tells a listener when it becomes unreachable or
 * reachable again, with one log line for each change. {@link #available()} is the last
 * result, readable from any thread; the store is taken as available until a ping fails.
 */
final class StoreProbe implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(StoreProbe.class);

  private final String database;
  private final AuditStore store;
  private final Consumer<Boolean> listener;
  private final ScheduledExecutorService scheduler;
  private volatile boolean available = true;
  private Instant downSince;

  /**
   * @param listener called on the probe's thread with the new state after each change
   */
  StoreProbe(AuditStore store, Consumer<Boolean> listener) {
    this(ServerConfig.DEFAULT_DATABASE, store, listener);
  }

  /**
   * @param database the name of the database the store is in, for the log lines
   * @param listener called on the probe's thread with the new state after each change
   */
  StoreProbe(String database, AuditStore store, Consumer<Boolean> listener) {
    this.database = database;
    this.store = store;
    this.listener = listener;
    this.scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "store-probe-" + database);
      t.setDaemon(true);
      return t;
    });
  }

  /** Starts pinging every {@code interval}; returns this. */
  StoreProbe start(Duration interval) {
    scheduler.scheduleWithFixedDelay(
        this::probe, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
    return this;
  }

  /** Whether the last ping succeeded. */
  boolean available() {
    return available;
  }

  /** Pings once and reports a change; runs on the probe thread. */
  void probe() {
    try {
      store.ping();
      changeTo(true, null);
    } catch (StoreException | RuntimeException e) {
      changeTo(false, e);
    }
  }

  private void changeTo(boolean now, Exception failure) {
    if (now == available) {
      return;
    }
    available = now;
    if (now) {
      log.info("audit store (database '{}') reachable again after {} ms; serving its logs",
          database, Duration.between(downSince, Instant.now()).toMillis());
    } else {
      downSince = Instant.now();
      log.warn("audit store (database '{}') unreachable ({}); its logs' health NOT_SERVING,"
          + " their appends fail with UNAVAILABLE until it is back", database,
          failure.getMessage());
    }
    listener.accept(now);
  }

  @Override
  public void close() {
    scheduler.shutdownNow();
  }
}
