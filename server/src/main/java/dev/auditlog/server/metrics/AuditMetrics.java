package dev.auditlog.server.metrics;

import com.zaxxer.hikari.metrics.MetricsTrackerFactory;
import dev.auditlog.server.forward.Forwarding;
import io.grpc.ServerStreamTracer;
import io.grpc.Status;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.core.metrics.Info;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.Unit;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;

/**
 * The server's metrics, in a Prometheus registry that the caller owns and exports ({@link
 * MetricsEndpoint}). Components get this object through their constructors: they record what
 * happens (an append answered, a group committed, a refusal) as it happens, and register
 * views of what is a state (the queue's depth, the newest checkpoint, whether the store
 * answers), which are read when the registry is scraped. {@code docs/operations.md} lists every
 * metric and what to alert on. Thread-safe.
 *
 * <p>Label values come from fixed sets (status codes, refusal reasons, log ids and destination
 * names from the configuration), never from callers, so the number of series stays bounded.
 */
public final class AuditMetrics {
  private static final double[] GROUP_SIZES =
      {1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000};
  private static final double[] COMMIT_SECONDS = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
      0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};

  private final PrometheusRegistry registry;
  private final Clock clock;
  private final Counter appends;
  private final Counter refusals;
  private final Counter handshakesRefused;
  private final Counter checkpointFailures;
  private final Histogram groupSize;
  private final Histogram commitDuration;
  private final Gauge serving;
  private final Map<String, Queue> queues = new ConcurrentHashMap<>();
  private final Map<String, Supplier<Optional<Instant>>> checkpoints = new ConcurrentHashMap<>();
  private final ForwardingCollector forwarding = new ForwardingCollector();
  private final GrpcServerMetrics grpc;
  private final PoolMetrics pools;
  private volatile BooleanSupplier storeReachable = () -> true;

  /** Registers the server's metrics in {@code registry}, which must not hold them yet. */
  public AuditMetrics(PrometheusRegistry registry) {
    this(registry, Clock.systemUTC());
  }

  /** With the clock that checkpoint ages are measured on (tests). */
  AuditMetrics(PrometheusRegistry registry, Clock clock) {
    this.registry = registry;
    this.clock = clock;
    appends = Counter.builder().name("audit_appends").labelNames("log", "code")
        .help("Events answered by Append and AppendBatch, by gRPC status code (OK: stored)")
        .register(registry);
    refusals = Counter.builder().name("audit_refusals").labelNames("reason")
        .help("Calls, and events of batches, refused, by reason").register(registry);
    handshakesRefused = Counter.builder().name("audit_tls_handshakes_refused")
        .labelNames("reason").help("TLS handshakes the server refused, by reason")
        .register(registry);
    checkpointFailures = Counter.builder().name("audit_checkpoint_failures")
        .labelNames("log", "reason")
        .help("Scheduled checkpoints not signed: store (unreachable), inconsistent (the log no"
            + " longer matches its last checkpoint: tampering), unexpected")
        .register(registry);
    groupSize = Histogram.builder().name("audit_append_group_size").labelNames("log")
        .help("Appends committed in one transaction (group commit)").classicOnly()
        .classicUpperBounds(GROUP_SIZES).register(registry);
    commitDuration = Histogram.builder().name("audit_commit_duration_seconds")
        .unit(Unit.SECONDS).labelNames("log")
        .help("Time the COMMIT of one group took (the INSERTs too when they are sent with it)")
        .classicOnly().classicUpperBounds(COMMIT_SECONDS).register(registry);
    serving = Gauge.builder().name("audit_serving")
        .help("1 while health is SERVING, else 0").register(registry);
    registerViews();
    registry.register(forwarding);
    grpc = new GrpcServerMetrics(registry);
    pools = new PoolMetrics(registry);
  }

  /** Metrics in a registry of their own that nothing exports, for components built without. */
  public static AuditMetrics inMemory() {
    return new AuditMetrics(new PrometheusRegistry());
  }

  private void registerViews() {
    queueGauge("audit_queue_appends", "Appends waiting to be committed", q -> q.appends.get());
    queueGauge("audit_queue_bytes", "Bytes of events waiting to be committed",
        q -> q.bytes.get());
    queueGauge("audit_queue_capacity_appends", "Most appends that may wait (--queue-capacity)",
        q -> q.capacityAppends);
    queueGauge("audit_queue_capacity_bytes", "Most bytes that may wait (--queue-bytes)",
        q -> q.capacityBytes);
    GaugeWithCallback.builder().name("audit_checkpoint_age_seconds").unit(Unit.SECONDS)
        .labelNames("log").help("Age of the newest signed checkpoint of the log")
        .callback(cb -> checkpoints.forEach((log, newest) -> newest.get().ifPresent(at ->
            cb.call(Duration.between(at, clock.instant()).toMillis() / 1000.0, log))))
        .register(registry);
    GaugeWithCallback.builder().name("audit_store_reachable")
        .help("1 while the store answers the health probe's ping, else 0")
        .callback(cb -> cb.call(storeReachable.getAsBoolean() ? 1 : 0)).register(registry);
  }

  private void queueGauge(String name, String help, ToDoubleFunction<Queue> value) {
    GaugeWithCallback.builder().name(name).labelNames("log").help(help)
        .callback(cb -> queues.forEach((log, q) -> cb.call(value.applyAsDouble(q), log)))
        .register(registry);
  }

  /** The registry these metrics are in. */
  public PrometheusRegistry registry() {
    return registry;
  }

  /** Sets {@code audit_build_info{version}}; call once. */
  public void buildInfo(String version) {
    Info.builder().name("audit_build_info").labelNames("version")
        .help("The server's version").register(registry).addLabelValues(version);
  }

  /** {@code events} of an append call to {@code logId} were answered with {@code code}. */
  public void appended(String logId, Status.Code code, int events) {
    appends.labelValues(logId, code.name()).inc(events);
  }

  /** A call, or an event of a batch, was refused. */
  public void refused(Refusal reason) {
    refusals.labelValues(reason.label()).inc();
  }

  /** A TLS handshake was refused; {@code reason} is one of a fixed set (HandshakeLog). */
  public void handshakeRefused(String reason) {
    handshakesRefused.labelValues(reason).inc();
  }

  /** A group of {@code appends} was committed in {@code nanos}. */
  public void groupCommitted(String logId, int appends, long nanos) {
    groupSize.labelValues(logId).observe(appends);
    commitDuration.labelValues(logId).observe(nanos / 1e9);
  }

  /** A scheduled checkpoint was not signed: {@code store}, {@code inconsistent} or another. */
  public void checkpointFailed(String logId, String reason) {
    checkpointFailures.labelValues(logId, reason).inc();
  }

  /** Health turned SERVING ({@code true}) or NOT_SERVING. */
  public void serving(boolean up) {
    serving.set(up ? 1 : 0);
  }

  /** Reads the append queue of {@code logId} when scraped; replaces an earlier view. */
  public void queue(String logId, Supplier<Integer> appends, Supplier<Long> bytes,
      int capacityAppends, long capacityBytes) {
    queues.put(logId, new Queue(appends, bytes, capacityAppends, capacityBytes));
  }

  /**
   * Reads the time of the newest checkpoint of {@code logId} when scraped (empty: none yet,
   * and no age is reported); replaces an earlier view.
   */
  public void checkpoints(String logId, Supplier<Optional<Instant>> newest) {
    checkpoints.put(logId, newest);
  }

  /** Reads whether the store answers when scraped. */
  public void store(BooleanSupplier reachable) {
    storeReachable = reachable;
  }

  /** Reads the forwarders' status when scraped (see {@link ForwardingCollector}). */
  public void forwarding(Callable<List<Forwarding.Status>> status) {
    forwarding.source(status);
  }

  /** The gRPC server metrics of gRFC A66, for {@code ServerBuilder.addStreamTracerFactory}. */
  public ServerStreamTracer.Factory grpcServer() {
    return grpc;
  }

  /** Connection pool metrics, for {@code HikariConfig.setMetricsTrackerFactory}. */
  public MetricsTrackerFactory connectionPools() {
    return pools;
  }

  private record Queue(Supplier<Integer> appends, Supplier<Long> bytes, int capacityAppends,
      long capacityBytes) {}
}
