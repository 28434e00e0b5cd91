package dev.auditlog.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.auditlog.api.v1.AppendResponse;
import dev.auditlog.api.v1.AuditEvent;
import dev.auditlog.api.v1.AuditLogGrpc;
import dev.auditlog.api.v1.Checkpoint;
import dev.auditlog.api.v1.Entry;
import dev.auditlog.api.v1.GetCheckpointRequest;
import dev.auditlog.integrity.CheckpointPayload;
import dev.auditlog.integrity.Ed25519Keys;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * High availability by synchronous replication, end to end: the server jar on a PostgreSQL
 * primary whose every commit waits for a streaming standby, reached through a multi-host URL
 * with {@code targetServerType=primary} ({@link ReplicatedPostgres}, Debian's PostgreSQL
 * packages; skipped without them). The primary is killed with SIGKILL (or its host hangs)
 * under load and the standby promoted: every acknowledged event is on it, and a checkpoint
 * signed before the failover still matches. With the standby away, nothing is acknowledged.
 * Each failover prints how long appends were unavailable.
 */
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class SyncReplicationIT {
  private static final int CLIENTS = 4;

  @TempDir Path tmp;
  private ReplicatedPostgres postgres;
  private ServerProcess server;
  private LedgerClients load;
  private final List<ManagedChannel> channels = new ArrayList<>();

  @BeforeEach
  void startPrimaryAndStandby() throws Exception {
    Optional<Path> bin = ReplicatedPostgres.binaries();
    assumeTrue(bin.isPresent(), "Debian's PostgreSQL (initdb, pg_ctl, pg_basebackup in"
        + " /usr/lib/postgresql/N/bin) is not installed (apt-get install postgresql-15):"
        + " skipping the synchronous replication tests");
    postgres = ReplicatedPostgres.start(bin.get(), tmp.resolve("pg"));
  }

  @AfterEach
  void stopEverything() {
    if (load != null) {
      load.abort();
    }
    channels.forEach(ManagedChannel::shutdownNow);
    if (server != null) {
      server.kill();
    }
    if (postgres != null) {
      postgres.close();
    }
  }

  @Test
  void primaryKilledUnderLoad_standbyPromoted_everyAcknowledgedEventIsThere_andTheCheckpointStillMatches()
      throws Exception {
    int port = startServer(postgres.jdbcUrl());
    failOver(port, "kill -9 of the primary", postgres::killPrimary);
  }

  /**
   * The primary's host gone without a word (power loss, partition): its connections stay
   * open and nothing answers on them, so the server gives up on them only when its socket
   * timeout (10 s) ends the wait, whatever the promotion takes.
   */
  @Test
  void primaryHostHangsUnderLoad_standbyPromoted_everyAcknowledgedEventIsThere()
      throws Exception {
    try (TcpRelay relay = new TcpRelay(postgres.primaryPort())) {
      int port = startServer(postgres.jdbcUrl(relay.port()));
      failOver(port, "the primary's host hung", () -> {
        relay.pause();
        postgres.killPrimary();
      });
    }
  }

  /**
   * Appends under load, a checkpoint, the {@code fault} to the primary, promotion of the
   * standby once health says NOT_SERVING (as a failover manager would, having seen the
   * primary go), appends until they are acknowledged again; then the ledger, the chain and the
   * checkpoint are checked against the log on the promoted standby.
   */
  private void failOver(int port, String fault, ThrowingRunnable injectFault) throws Exception {
    load = new LedgerClients(channel(port, "auth-backend"), CLIENTS, Duration.ofSeconds(5));
    Await.until("appends are acknowledged", Duration.ofSeconds(60),
        () -> load.acknowledged() >= 300);
    ManagedChannel auditor = channel(port, "auditor");
    Checkpoint before = freshCheckpoint(auditor);
    int afterCheckpoint = load.acknowledged();
    Await.until("appends go on after the checkpoint", Duration.ofSeconds(60),
        () -> load.acknowledged() >= afterCheckpoint + 200);

    long faulted = System.nanoTime();
    injectFault.run();
    awaitHealth(auditor, ServingStatus.NOT_SERVING);
    long notServing = System.nanoTime();
    postgres.promoteStandby();
    long promoted = System.nanoTime();
    Await.until("appends are acknowledged by the promoted standby", Duration.ofSeconds(60),
        () -> load.firstAckAfter(promoted).isPresent());
    awaitHealth(auditor, ServingStatus.SERVING);
    int afterFailover = load.acknowledged();
    Await.until("appends go on after the failover", Duration.ofSeconds(60),
        () -> load.acknowledged() >= afterFailover + 300);
    load.stop();

    long firstFailure = load.firstFailureAfter(faulted).orElseThrow();
    long lastAck = load.lastAckBefore(faulted).orElseThrow();
    long firstAck = load.firstAckAfter(promoted).orElseThrow();
    List<Entry> stored = Pages.all(auditor, 1000);
    System.out.printf("failover (%s): unavailable %.2f s from the first failed append to the"
        + " first acknowledged after the promotion, %.2f s without any acknowledgement;"
        + " first failure %d ms after the fault, health NOT_SERVING after %d ms, standby"
        + " promoted after %d ms, first acknowledged append %d ms after the fault;"
        + " acknowledged %d, resent %d, stored %d, checkpoint before the failover at seq %d%n",
        fault, seconds(firstFailure, firstAck), seconds(lastAck, firstAck),
        millis(faulted, firstFailure), millis(faulted, notServing), millis(faulted, promoted),
        millis(faulted, firstAck), load.acknowledged(), load.resent(), stored.size(),
        before.getSeq());
    Events.assertChain(stored);
    load.assertEveryAcknowledgedEventStoredOnce(stored);
    assertEquals(before.getChainHash(), stored.get((int) before.getSeq() - 1).getChainHash(),
        "the chain hash at the seq of the checkpoint signed before the failover");
    // The server itself checks the log against its newest checkpoint before it signs.
    assertEquals(stored.size(), freshCheckpoint(auditor).getSeq(), "a checkpoint afterwards");
  }

  @Test
  void standbyStopped_appendIsNotAcknowledged_healthNotServing_untilTheStandbyIsBack()
      throws Exception {
    int port = startServer(postgres.jdbcUrl());
    ManagedChannel producer = channel(port, "auth-backend");
    ManagedChannel auditor = channel(port, "auditor");
    append(producer, Events.registrationFailure(), Duration.ofSeconds(30));
    postgres.stopStandby();

    AuditEvent waiting = Events.registrationFailure();
    StatusRuntimeException deadline = assertThrows(StatusRuntimeException.class,
        () -> append(producer, waiting, Duration.ofSeconds(3)));
    assertEquals(Status.Code.DEADLINE_EXCEEDED, deadline.getStatus().getCode());
    awaitHealth(auditor, ServingStatus.NOT_SERVING);
    AuditEvent refused = Events.registrationFailure();
    long sent = System.nanoTime();
    StatusRuntimeException unavailable = assertThrows(StatusRuntimeException.class,
        () -> append(producer, refused, Duration.ofSeconds(60)));
    long answeredAfter = millis(sent, System.nanoTime());
    System.out.printf("standby stopped: health NOT_SERVING, an append with a 60 s deadline"
        + " got %s after %d ms; primary backends waiting for the standby: %d, for a lock: %d%n",
        unavailable.getStatus().getCode(), answeredAfter,
        postgres.backendsWaitingFor("SyncRep"), postgres.backendsWaitingFor("advisory"));
    assertEquals(Status.Code.UNAVAILABLE, unavailable.getStatus().getCode());
    assertTrue(answeredAfter < 2_000, "answered at once, not after " + answeredAfter + " ms");

    postgres.startStandby();
    awaitHealth(auditor, ServingStatus.SERVING);
    AppendResponse first = append(producer, waiting, Duration.ofSeconds(30));
    AppendResponse second = append(producer, refused, Duration.ofSeconds(30));
    List<Entry> stored = Pages.all(auditor, 1000);
    Events.assertChain(stored);
    assertEquals(List.of(first.getSeq(), second.getSeq()), stored.stream()
        .filter(e -> e.getEventId().equals(waiting.getEventId())
            || e.getEventId().equals(refused.getEventId()))
        .map(Entry::getSeq).toList(), "the two events, each stored once");
  }

  private interface ThrowingRunnable {
    void run() throws Exception;
  }

  private int startServer(String url) {
    server = ServerProcess.start(tmp.resolve("server"), "--port", "0",
        "--db-url", url,
        "--db-user", TestDatabase.WRITER,
        "--db-password", postgres.password(TestDatabase.WRITER),
        "--db-owner-user", TestDatabase.OWNER,
        "--db-owner-password", postgres.password(TestDatabase.OWNER));
    server.awaitListening(Duration.ofSeconds(60));
    return server.port();
  }

  /** A fresh checkpoint, checked against the public key the server wrote beside its key. */
  private Checkpoint freshCheckpoint(ManagedChannel auditor) throws Exception {
    Checkpoint c = AuditLogGrpc.newBlockingStub(auditor).withDeadlineAfter(30, TimeUnit.SECONDS)
        .getCheckpoint(GetCheckpointRequest.newBuilder().setFresh(true).build())
        .getCheckpoint();
    byte[] payload = CheckpointPayload.of(c).bytes();
    assertTrue(Ed25519Keys.verify(Ed25519Keys.readPublicKey(
            tmp.resolve("server/checkpoint-signing-key.pub.pem")), payload,
        c.getSignature().toByteArray()), "the checkpoint's signature verifies");
    return c;
  }

  private static AppendResponse append(ManagedChannel producer, AuditEvent event,
      Duration deadline) {
    return AuditLogGrpc.newBlockingStub(producer)
        .withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS)
        .append(Events.request(event));
  }

  private static void awaitHealth(ManagedChannel channel, ServingStatus status)
      throws Exception {
    Await.until("health " + status, Duration.ofSeconds(60), () -> health(channel) == status);
  }

  private static ServingStatus health(ManagedChannel channel) {
    try {
      return HealthGrpc.newBlockingStub(channel).withDeadlineAfter(5, TimeUnit.SECONDS)
          .check(HealthCheckRequest.getDefaultInstance()).getStatus();
    } catch (StatusRuntimeException e) {
      return ServingStatus.UNKNOWN;
    }
  }

  private ManagedChannel channel(int port, String client) throws Exception {
    ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", port)
        .sslContext(AuditServerExtension.clientContext(client)).build();
    channels.add(channel);
    return channel;
  }

  private static double seconds(long fromNanos, long toNanos) {
    return (toNanos - fromNanos) / 1e9;
  }

  private static long millis(long fromNanos, long toNanos) {
    return (toNanos - fromNanos) / 1_000_000;
  }
}
