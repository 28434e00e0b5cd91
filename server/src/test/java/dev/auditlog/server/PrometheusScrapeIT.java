package dev.auditlog.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.auditlog.api.v1.AppendBatchRequest;
import dev.auditlog.api.v1.AuditLogGrpc;
import dev.auditlog.api.v1.AuditLogGrpc.AuditLogBlockingStub;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The metrics endpoint as an operator uses it: the server jar with {@code --metrics-port},
 * scraped by a real Prometheus (Debian's, {@link PrometheusServer}), whose query API then
 * answers with what the test did: the appends, a refused handshake, the calls per method.
 */
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class PrometheusScrapeIT {
  private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
  private static final Duration SCRAPED = Duration.ofSeconds(60);
  private static final Pattern METRICS_LINE =
      Pattern.compile("metrics for Prometheus on http://127\\.0\\.0\\.1:(\\d+)/metrics");

  @TempDir Path tmp;

  private final List<ManagedChannel> channels = new ArrayList<>();
  private ServerProcess server;
  private PrometheusServer prometheus;

  @AfterEach
  void stop() throws InterruptedException {
    channels.forEach(ManagedChannel::shutdownNow);
    if (prometheus != null) {
      prometheus.close();
    }
    if (server != null) {
      server.kill();
    }
  }

  @Test
  void prometheusScrapesTheServer_andItsQueryApiCountsTheAppends() throws Exception {
    Path binary = PrometheusServer.binary().orElse(null);
    assumeTrue(binary != null, "prometheus is not installed (apt-get install prometheus)");
    server = ServerProcess.start(tmp.resolve("data"), "--port", "0", "--metrics-port", "0");
    server.awaitListening(START_TIMEOUT);
    int metricsPort = awaitMetricsPort();
    prometheus = PrometheusServer.start(binary, tmp, "127.0.0.1:" + metricsPort);

    AuditLogBlockingStub backend = stub("auth-backend");
    for (int i = 0; i < 3; i++) {
      backend.append(Events.request(Events.registrationFailure()));
    }
    backend.appendBatch(AppendBatchRequest.newBuilder().addEvents(Events.registrationFailure())
        .addEvents(Events.registrationFailure()).addEvents(Events.withAction("user.login"))
        .addEvents(Events.withAction("user.logout")).build());
    AuditLogBlockingStub anonymous = stub(null);
    assertThrows(StatusRuntimeException.class,
        () -> anonymous.append(Events.request(Events.registrationFailure())));
    channels.forEach(ManagedChannel::shutdownNow); // no more reconnecting without a certificate

    assertValue("sum(audit_appends_total{code=\"OK\"})", 7);
    assertValue("up{job=\"audit\"}", 1);
    assertValue("audit_tls_handshakes_refused_total{reason=\"no_client_certificate\"} > bool 0",
        1);
    assertValue("grpc_server_call_started_total{grpc_method=\"audit.v1.AuditLog/Append\"}", 3);
    assertValue("sum(audit_append_group_size_sum)", 7);
    assertValue("audit_serving", 1);
  }

  private void assertValue(String promql, double expected) throws Exception {
    OptionalDouble value = prometheus.awaitValue(promql, expected, SCRAPED);
    if (value.isEmpty() || value.getAsDouble() != expected) {
      fail(promql + " = " + value + ", want " + expected + "\nprometheus:\n"
          + prometheus.log() + "\nserver:\n" + server.output());
    }
  }

  private int awaitMetricsPort() throws Exception {
    Await.until("the server's 'metrics for Prometheus on' line", Duration.ofSeconds(10),
        () -> metricsPort().isPresent());
    return metricsPort().orElseThrow();
  }

  private Optional<Integer> metricsPort() {
    return server.lines().stream().map(METRICS_LINE::matcher).filter(Matcher::find)
        .map(m -> Integer.parseInt(m.group(1))).findFirst();
  }

  /** A stub presenting {@code certs-dev/<client>.pem}; none for null. */
  private AuditLogBlockingStub stub(String client) throws IOException {
    SslContextBuilder ssl = GrpcSslContexts.forClient().trustManager(TestCerts.pem("ca").toFile());
    if (client != null) {
      ssl.keyManager(TestCerts.pem(client).toFile(), TestCerts.key(client).toFile());
    }
    ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", server.port())
        .sslContext(ssl.build()).build();
    channels.add(channel);
    return AuditLogGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
  }
}
