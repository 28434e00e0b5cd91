package dev.auditlog.server.metrics;

import io.grpc.Metadata;
import io.grpc.ServerStreamTracer;
import io.grpc.Status;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.Unit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * The per-call server metrics of gRFC A66 (gRPC's OpenTelemetry metrics), under the names
 * that grpc-java's OpenTelemetry module gets in Prometheus, so dashboards made for it fit:
 * {@code grpc_server_call_started_total{grpc_method}}, {@code
 * grpc_server_call_duration_seconds{grpc_method, grpc_status}} and the wire sizes {@code
 * grpc_server_call_rcvd_total_compressed_message_size_bytes} and {@code
 * ..._sent_total_compressed_message_size_bytes}, with A66's bucket boundaries. Recorded by a
 * stream tracer, so calls refused by an interceptor count too. A method the server does not
 * serve is {@code grpc_method="other"}: the label never takes a name a client made up.
 *
 * <p>This replaces {@code grpc-opentelemetry} with an OpenTelemetry SDK and Prometheus
 * exporter: those would add a second metrics stack (and HTTP server) beside the registry the
 * server's own metrics are in, for these four instruments.
 */
final class GrpcServerMetrics extends ServerStreamTracer.Factory {
  static final String OTHER = "other";
  private static final double[] LATENCY = {0, 0.00001, 0.00005, 0.0001, 0.0003, 0.0006,
      0.0008, 0.001, 0.002, 0.003, 0.004, 0.005, 0.006, 0.008, 0.01, 0.013, 0.016, 0.02, 0.025,
      0.03, 0.04, 0.05, 0.065, 0.08, 0.1, 0.13, 0.16, 0.2, 0.25, 0.3, 0.4, 0.5, 0.65, 0.8, 1, 2,
      5, 10, 20, 50, 100};
  private static final double[] SIZE = {0, 1024, 2048, 4096, 16384, 65536, 262144, 1048576,
      4194304, 16777216, 67108864, 268435456, 1073741824, 4294967296.0};

  private final Counter started;
  private final Histogram duration;
  private final Histogram received;
  private final Histogram sent;
  private final LongSupplier nanoTime;

  GrpcServerMetrics(PrometheusRegistry registry) {
    this(registry, System::nanoTime);
  }

  GrpcServerMetrics(PrometheusRegistry registry, LongSupplier nanoTime) {
    this.nanoTime = nanoTime;
    started = Counter.builder().name("grpc_server_call_started").labelNames("grpc_method")
        .help("Calls started (gRFC A66 grpc.server.call.started)").register(registry);
    duration = histogram(registry, "grpc_server_call_duration_seconds", Unit.SECONDS, LATENCY,
        "Time from a call's headers to its end (gRFC A66 grpc.server.call.duration)");
    received = histogram(registry, "grpc_server_call_rcvd_total_compressed_message_size_bytes",
        Unit.BYTES, SIZE, "Bytes of request messages per call, as on the wire (gRFC A66)");
    sent = histogram(registry, "grpc_server_call_sent_total_compressed_message_size_bytes",
        Unit.BYTES, SIZE, "Bytes of response messages per call, as on the wire (gRFC A66)");
  }

  private static Histogram histogram(PrometheusRegistry registry, String name, Unit unit,
      double[] bounds, String help) {
    return Histogram.builder().name(name).unit(unit).labelNames("grpc_method", "grpc_status")
        .help(help).classicOnly().classicUpperBounds(bounds).register(registry);
  }

  @Override
  public ServerStreamTracer newServerStreamTracer(String fullMethodName, Metadata headers) {
    return new CallTracer(nanoTime.getAsLong());
  }

  /** One call: its method once the server found it, its wire sizes, its end. */
  private final class CallTracer extends ServerStreamTracer {
    private final long startNanos;
    private final AtomicLong inbound = new AtomicLong();
    private final AtomicLong outbound = new AtomicLong();
    private volatile String method = OTHER;

    CallTracer(long startNanos) {
      this.startNanos = startNanos;
    }

    @Override
    public void serverCallStarted(ServerCallInfo<?, ?> callInfo) {
      method = callInfo.getMethodDescriptor().getFullMethodName();
      started.labelValues(method).inc();
    }

    @Override
    public void inboundWireSize(long bytes) {
      inbound.addAndGet(bytes);
    }

    @Override
    public void outboundWireSize(long bytes) {
      outbound.addAndGet(bytes);
    }

    @Override
    public void streamClosed(Status status) {
      String m = method;
      String code = status.getCode().name();
      duration.labelValues(m, code).observe((nanoTime.getAsLong() - startNanos) / 1e9);
      received.labelValues(m, code).observe(inbound.get());
      sent.labelValues(m, code).observe(outbound.get());
    }
  }
}
