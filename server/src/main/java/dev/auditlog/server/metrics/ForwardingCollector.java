package dev.auditlog.server.metrics;

import dev.auditlog.server.forward.Forwarding;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.prometheus.metrics.model.snapshots.Unit;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.ToDoubleFunction;

/**
 * The forwarders' state, per destination, read once per scrape through {@link
 * Forwarding#status()} (a few small queries on the forwarding pool): how far behind the log's
 * head a destination is, in entries and in time; whether it is paused; whether this instance
 * holds its lease. When forwarding is not configured, or the status cannot be read (the store
 * is away), the metrics are absent from that scrape.
 */
final class ForwardingCollector implements MultiCollector {
  private static final List<String> NAMES = List.of("audit_forwarder_lag_entries",
      "audit_forwarder_lag_seconds", "audit_forwarder_paused", "audit_forwarder_active");

  private volatile Callable<List<Forwarding.Status>> source;

  void source(Callable<List<Forwarding.Status>> source) {
    this.source = source;
  }

  @Override
  public MetricSnapshots collect() {
    Callable<List<Forwarding.Status>> s = source;
    if (s == null) {
      return new MetricSnapshots();
    }
    List<Forwarding.Status> status;
    try {
      status = s.call();
    } catch (Exception e) {
      return new MetricSnapshots();
    }
    return MetricSnapshots.of(
        gauge(NAMES.get(0), null, "Entries of the log the destination has not acknowledged",
            status, Forwarding.Status::lagEntries),
        gauge(NAMES.get(1), Unit.SECONDS,
            "Age of the oldest entry the destination has not acknowledged; 0 when none",
            status, st -> st.lag().toMillis() / 1000.0),
        gauge(NAMES.get(2), null, "1 while the destination is paused (a permanent refusal)",
            status, st -> st.cursor().paused() == null ? 0 : 1),
        gauge(NAMES.get(3), null, "1 while this server instance holds the destination's lease",
            status, st -> st.forwardingHere() ? 1 : 0));
  }

  private static GaugeSnapshot gauge(String name, Unit unit, String help,
      List<Forwarding.Status> status, ToDoubleFunction<Forwarding.Status> value) {
    GaugeSnapshot.Builder b = GaugeSnapshot.builder().name(name).help(help);
    if (unit != null) {
      b.unit(unit);
    }
    for (Forwarding.Status st : status) {
      b.dataPoint(GaugeDataPointSnapshot.builder()
          .labels(Labels.of("destination", st.cursor().destination()))
          .value(value.applyAsDouble(st)).build());
    }
    return b.build();
  }

  @Override
  public List<String> getPrometheusNames() {
    return NAMES;
  }
}
