package dev.auditlog.server.tree;

import dev.auditlog.server.store.StoreException;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps a {@link LogTree} close behind its log: integrates what was committed every
 * interval, on a thread of its own, so that a checkpoint, made under the log's lock, has
 * only the last few entries left to integrate. A failure is logged and tried again at the
 * next interval; a mismatch stops it (the tree stays broken).
 */
public final class TreeIntegrator implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(TreeIntegrator.class);

  private final LogTree tree;
  private final ScheduledExecutorService timer;
  private volatile String lastFailure;

  private TreeIntegrator(LogTree tree) {
    this.tree = tree;
    this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "merkle-" + tree.logId());
      t.setDaemon(true);
      return t;
    });
  }

  /** Integrates now and then every {@code interval}. */
  public static TreeIntegrator start(LogTree tree, Duration interval) {
    TreeIntegrator integrator = new TreeIntegrator(tree);
    integrator.timer.scheduleWithFixedDelay(integrator::run, 0, interval.toMillis(),
        TimeUnit.MILLISECONDS);
    return integrator;
  }

  private void run() {
    try {
      tree.integrate();
      if (lastFailure != null) {
        log.info("log '{}': integrating the Merkle tree works again", tree.logId());
        lastFailure = null;
      }
    } catch (StoreException e) {
      if (!e.getMessage().equals(lastFailure)) {
        log.warn("log '{}': integrating the Merkle tree failed, retrying: {}", tree.logId(),
            e.getMessage());
      }
      lastFailure = e.getMessage();
    } catch (TreeMismatchException e) {
      timer.shutdown(); // logged by the tree; nothing more to integrate
    } catch (RuntimeException e) {
      log.error("log '{}': integrating the Merkle tree failed unexpectedly", tree.logId(), e);
    }
  }

  @Override
  public void close() {
    timer.shutdownNow();
    try {
      timer.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
