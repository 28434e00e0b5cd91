package dev.auditlog.server.metrics;

import com.zaxxer.hikari.metrics.IMetricsTracker;
import com.zaxxer.hikari.metrics.MetricsTrackerFactory;
import com.zaxxer.hikari.metrics.PoolStats;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.Unit;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.ToIntFunction;

/**
 * HikariCP's own pool metrics ({@link MetricsTrackerFactory}, its plug-in for them) in the
 * server's registry, labelled by pool name ({@code audit-writer}, {@code audit-forwarding}):
 * connections by state, threads waiting for one, timeouts, and how long getting one took.
 * HikariCP ships trackers for the older Prometheus simpleclient only, hence this one. The gauge
 * names are those of HikariCP's simpleclient collector, so its dashboards fit.
 */
final class PoolMetrics implements MetricsTrackerFactory {
  private static final double[] ACQUIRE_SECONDS =
      {0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 3, 10};

  private final Map<String, PoolStats> pools = new ConcurrentHashMap<>();
  private final Counter timeouts;
  private final Histogram acquire;

  PoolMetrics(PrometheusRegistry registry) {
    gauge(registry, "hikaricp_active_connections", "Connections in use",
        PoolStats::getActiveConnections);
    gauge(registry, "hikaricp_idle_connections", "Connections idle in the pool",
        PoolStats::getIdleConnections);
    gauge(registry, "hikaricp_pending_threads", "Threads waiting for a connection",
        PoolStats::getPendingThreads);
    gauge(registry, "hikaricp_connections", "Connections open", PoolStats::getTotalConnections);
    gauge(registry, "hikaricp_max_connections", "Most connections the pool opens",
        PoolStats::getMaxConnections);
    timeouts = Counter.builder().name("hikaricp_connection_timeout").labelNames("pool")
        .help("Waits for a connection that timed out (3 s)").register(registry);
    acquire = Histogram.builder().name("hikaricp_connection_acquire_seconds").unit(Unit.SECONDS)
        .labelNames("pool").help("Time taken to get a connection from the pool").classicOnly()
        .classicUpperBounds(ACQUIRE_SECONDS).register(registry);
  }

  private void gauge(PrometheusRegistry registry, String name, String help,
      ToIntFunction<PoolStats> value) {
    GaugeWithCallback.builder().name(name).labelNames("pool").help(help)
        .callback(cb -> pools.forEach((pool, s) -> cb.call(value.applyAsInt(s), pool)))
        .register(registry);
  }

  @Override
  public IMetricsTracker create(String poolName, PoolStats stats) {
    pools.put(poolName, stats);
    return new IMetricsTracker() {
      @Override
      public void recordConnectionAcquiredNanos(long nanos) {
        acquire.labelValues(poolName).observe(nanos / 1e9);
      }

      @Override
      public void recordConnectionTimeout() {
        timeouts.labelValues(poolName).inc();
      }

      @Override
      public void close() {
        pools.remove(poolName, stats);
      }
    };
  }
}
