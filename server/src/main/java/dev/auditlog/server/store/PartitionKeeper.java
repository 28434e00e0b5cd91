package dev.auditlog.server.store;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps room ahead of a log's head in the store's parts ({@link
 * AuditStore#keepPartitions}): once when started, then every interval, on a daemon thread of
 * its own. A failure is logged and tried again at the next interval: entries no part covers
 * still land (in PostgreSQL's default partition), they only cannot be archived by partition.
 */
public final class PartitionKeeper implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(PartitionKeeper.class);

  private final AuditStore store;
  private final String logId;
  private final ScheduledExecutorService timer;

  private PartitionKeeper(AuditStore store, String logId) {
    this.store = store;
    this.logId = logId;
    this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "partitions-" + logId);
      t.setDaemon(true);
      return t;
    });
  }

  /** Keeps room once now, on the caller's thread, and then every {@code interval}. */
  public static PartitionKeeper start(AuditStore store, String logId, Duration interval) {
    PartitionKeeper keeper = new PartitionKeeper(store, logId);
    keeper.keep();
    long millis = interval.toMillis();
    keeper.timer.scheduleWithFixedDelay(keeper::keep, millis, millis, TimeUnit.MILLISECONDS);
    return keeper;
  }

  /** One round; never throws. */
  void keep() {
    try {
      int added = store.keepPartitions(logId);
      if (added > 0) {
        log.info("added {} partition(s) ahead of the head of log '{}'", added, logId);
      }
    } catch (StoreException e) {
      log.warn("could not add partitions ahead of the head of log '{}', trying again later:"
          + " {}", logId, e.getCause() == null ? e.getMessage() : e.getCause().getMessage());
    } catch (RuntimeException e) {
      log.error("adding partitions to log '{}' failed unexpectedly", logId, e);
    }
  }

  @Override
  public void close() {
    timer.shutdownNow();
  }
}
