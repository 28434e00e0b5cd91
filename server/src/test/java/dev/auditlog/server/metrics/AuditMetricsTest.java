package dev.auditlog.server.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.zaxxer.hikari.metrics.IMetricsTracker;
import com.zaxxer.hikari.metrics.PoolStats;
import dev.auditlog.server.forward.Forwarding;
import dev.auditlog.server.store.ForwardCursor;
import dev.auditlog.server.store.StoreException;
import io.grpc.Metadata;
import io.grpc.ServerStreamTracer;
import io.grpc.Status;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** The metrics as Prometheus reads them, recorded and viewed without a server. */
class AuditMetricsTest {
  private static final Instant NOW = Instant.parse("2026-12-01T09:15:00Z");

  private final AuditMetrics metrics =
      new AuditMetrics(new PrometheusRegistry(), Clock.fixed(NOW, ZoneOffset.UTC));

  @Test
  void appends_areCountedPerLogAndStatusCode() {
    metrics.appended("default", Status.Code.OK, 3);
    metrics.appended("default", Status.Code.OK, 2);
    metrics.appended("default", Status.Code.ALREADY_EXISTS, 1);

    Scrape s = Scrape.of(metrics);
    assertEquals(5, s.value("audit_appends_total", "log", "default", "code", "OK"));
    assertEquals(1, s.value("audit_appends_total", "code", "ALREADY_EXISTS"));
  }

  @Test
  void refusals_areCountedByReason_withLowercaseLabels() {
    metrics.refused(Refusal.QUEUE_FULL);
    metrics.refused(Refusal.QUEUE_FULL);
    metrics.refused(Refusal.PERMISSION_DENIED);
    metrics.handshakeRefused("certificate_revoked");

    Scrape s = Scrape.of(metrics);
    assertEquals(2, s.value("audit_refusals_total", "reason", "queue_full"));
    assertEquals(1, s.value("audit_refusals_total", "reason", "permission_denied"));
    assertEquals(1, s.value("audit_tls_handshakes_refused_total", "reason",
        "certificate_revoked"));
  }

  @Test
  void groupCommitted_fillsTheGroupSizeAndCommitDurationHistograms() {
    metrics.groupCommitted("default", 1, 2_000_000);
    metrics.groupCommitted("default", 700, 30_000_000);

    Scrape s = Scrape.of(metrics);
    assertEquals(2, s.value("audit_append_group_size_count", "log", "default"));
    assertEquals(701, s.value("audit_append_group_size_sum"));
    assertEquals(1, s.value("audit_append_group_size_bucket", "le", "500.0"));
    assertEquals(2, s.value("audit_append_group_size_bucket", "le", "1000.0"));
    assertEquals(0.032, s.value("audit_commit_duration_seconds_sum"), 1e-9);
    assertEquals(1, s.value("audit_commit_duration_seconds_bucket", "le", "0.0025"));
  }

  @Test
  void checkpointAge_isTheTimeSinceTheNewestCheckpoint_andAbsentBeforeTheFirst() {
    AtomicReference<Instant> newest = new AtomicReference<>();
    metrics.checkpoints("default", () -> Optional.ofNullable(newest.get()));

    assertFalse(Scrape.of(metrics).has("audit_checkpoint_age_seconds"));
    newest.set(NOW.minusSeconds(90).minusMillis(500));
    assertEquals(90.5, Scrape.of(metrics).value("audit_checkpoint_age_seconds", "log",
        "default"));
  }

  @Test
  void queue_isReadWhenScraped() {
    AtomicLong bytes = new AtomicLong(4096);
    metrics.queue("default", () -> 3, bytes::get, 20_000, 1L << 24);

    Scrape before = Scrape.of(metrics);
    bytes.set(0);
    Scrape after = Scrape.of(metrics);

    assertEquals(3, before.value("audit_queue_appends", "log", "default"));
    assertEquals(4096, before.value("audit_queue_bytes", "log", "default"));
    assertEquals(0, after.value("audit_queue_bytes", "log", "default"));
    assertEquals(20_000, after.value("audit_queue_capacity_appends"));
    assertEquals(1 << 24, after.value("audit_queue_capacity_bytes"));
  }

  @Test
  void health_servingIsSet_andStoreReachabilityIsRead() {
    AtomicReference<Boolean> reachable = new AtomicReference<>(true);
    metrics.store(reachable::get);
    metrics.serving(true);
    assertEquals(1, Scrape.of(metrics).value("audit_serving"));
    assertEquals(1, Scrape.of(metrics).value("audit_store_reachable"));

    reachable.set(false);
    metrics.serving(false);
    assertEquals(0, Scrape.of(metrics).value("audit_serving"));
    assertEquals(0, Scrape.of(metrics).value("audit_store_reachable"));
  }

  @Test
  void forwarding_lagPausedAndLeasePerDestination_absentWhenTheStatusCannotBeRead() {
    AtomicReference<List<Forwarding.Status>> status = new AtomicReference<>(List.of(
        status("siem", 42, Duration.ofMillis(7250), null, true),
        status("archive", 0, Duration.ZERO, "HTTP 401", false)));
    metrics.forwarding(() -> {
      if (status.get() == null) {
        throw new StoreException("store unreachable", true, null);
      }
      return status.get();
    });

    Scrape s = Scrape.of(metrics);
    assertEquals(42, s.value("audit_forwarder_lag_entries", "destination", "siem"));
    assertEquals(7.25, s.value("audit_forwarder_lag_seconds", "destination", "siem"));
    assertEquals(0, s.value("audit_forwarder_paused", "destination", "siem"));
    assertEquals(1, s.value("audit_forwarder_paused", "destination", "archive"));
    assertEquals(1, s.value("audit_forwarder_active", "destination", "siem"));
    assertEquals(0, s.value("audit_forwarder_active", "destination", "archive"));
    status.set(null);
    assertFalse(Scrape.of(metrics).has("audit_forwarder_lag_entries"));
  }

  @Test
  void connectionPools_reportHikariStateByPool_untilThePoolCloses() {
    IMetricsTracker tracker = metrics.connectionPools().create("audit-writer", new PoolStats(0) {
      @Override
      protected void update() {
        totalConnections = 8;
        activeConnections = 3;
        idleConnections = 5;
        pendingThreads = 1;
        maxConnections = 8;
      }
    });
    tracker.recordConnectionAcquiredNanos(250_000);
    tracker.recordConnectionTimeout();

    Scrape s = Scrape.of(metrics);
    assertEquals(3, s.value("hikaricp_active_connections", "pool", "audit-writer"));
    assertEquals(5, s.value("hikaricp_idle_connections", "pool", "audit-writer"));
    assertEquals(1, s.value("hikaricp_pending_threads", "pool", "audit-writer"));
    assertEquals(8, s.value("hikaricp_max_connections", "pool", "audit-writer"));
    assertEquals(1, s.value("hikaricp_connection_timeout_total", "pool", "audit-writer"));
    assertEquals(1, s.value("hikaricp_connection_acquire_seconds_count", "pool",
        "audit-writer"));
    tracker.close();
    assertFalse(Scrape.of(metrics).has("hikaricp_active_connections"));
  }

  @Test
  void grpc_aCallOfAMethodTheServerDoesNotServe_isMethodOther() {
    ServerStreamTracer tracer = metrics.grpcServer()
        .newServerStreamTracer("made.up.Service/" + "x".repeat(100), new Metadata());
    tracer.inboundWireSize(100);
    tracer.streamClosed(Status.UNIMPLEMENTED);

    Scrape s = Scrape.of(metrics);
    assertEquals(1, s.value("grpc_server_call_duration_seconds_count", "grpc_method", "other",
        "grpc_status", "UNIMPLEMENTED"));
    assertEquals(100, s.value("grpc_server_call_rcvd_total_compressed_message_size_bytes_sum",
        "grpc_method", "other"));
    assertTrue(s.text().lines().noneMatch(l -> l.contains("made.up")), s.text());
  }

  private static Forwarding.Status status(String destination, long lag, Duration age,
      String paused, boolean here) {
    return new Forwarding.Status(new ForwardCursor(destination, "default", 100 - lag, 0, paused,
        null, null, null), 100, lag, age, here);
  }
}
