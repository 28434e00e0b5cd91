package dev.auditlog.server.forward;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.auditlog.api.v1.AuditLogGrpc;
import dev.auditlog.api.v1.ForwarderStatus;
import dev.auditlog.api.v1.ListForwardersRequest;
import dev.auditlog.server.Await;
import dev.auditlog.server.AuditServerExtension;
import dev.auditlog.server.Events;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A destination down for a minute (HTTP 503) while appends go on at a steady 100 a second:
 * every append succeeds with the latency it had before, the lag grows, and once the
 * destination is back the lag is made up and every entry arrives.
 */
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class DeadDestinationIT {
  private static final int RATE = 100;

  @RegisterExtension
  final AuditServerExtension server = AuditServerExtension.mutualTls().notStarted();

  @TempDir Path tmp;
  private BulkReceiver receiver;
  private final ScheduledExecutorService load = Executors.newScheduledThreadPool(4);
  private final List<Long> latenciesMicros = Collections.synchronizedList(new ArrayList<>());
  private final AtomicLong failures = new AtomicLong();
  private final AtomicLong acknowledged = new AtomicLong();

  @AfterEach
  void stop() {
    load.shutdownNow();
    if (receiver != null) {
      receiver.close();
    }
  }

  @Test
  void destinationDownForAMinute_leavesAppendsAsTheyWere_andTheLagIsMadeUp() throws Exception {
    receiver = new BulkReceiver();
    Path config = Files.writeString(tmp.resolve("forwarding.json"), """
        {"poll_interval_ms": 100, "destinations": [
          {"name": "siem", "type": "elastic", "url": "%s", "batch_size": 500}]}
        """.formatted(receiver.url()));
    server.start(b -> b.forwardingConfig(config));
    var stub = AuditLogGrpc.newBlockingStub(server.channel("auth-backend"));
    // The load is paced by the scheduler: a steady rate is the scenario, not a wait.
    load.scheduleAtFixedRate(() -> appendOne(stub), 0, 1_000_000 / RATE, TimeUnit.MICROSECONDS);

    Duration before = phase(Duration.ofSeconds(10));
    receiver.setUp(false);
    Duration down = phase(Duration.ofSeconds(60));
    long lagWhileDown = status().getLagEntries();
    receiver.setUp(true);
    Duration after = phase(Duration.ofSeconds(10));
    load.shutdown();
    assertTrue(load.awaitTermination(30, TimeUnit.SECONDS));

    long total = acknowledged.get();
    Await.until("the lag is made up", Duration.ofSeconds(60),
        () -> status().getCursorSeq() == total && status().getLagEntries() == 0);
    System.out.printf("destination down 60 s at %d appends/s: p99 before %d ms, while down %d"
        + " ms, after %d ms; lag while down %d entries; %d appends, %d failed, %d documents%n",
        RATE, before.toMillis(), down.toMillis(), after.toMillis(), lagWhileDown, total,
        failures.get(), receiver.documents().size());
    assertEquals(0, failures.get(), "no append failed");
    assertEquals(total, receiver.documents().size());
    assertTrue(lagWhileDown > 3000, "the lag grew while the destination was down: "
        + lagWhileDown);
    assertTrue(down.compareTo(before.multipliedBy(3).plusMillis(50)) < 0,
        "append p99 while down " + down + " against " + before + " before");
  }

  private void appendOne(AuditLogGrpc.AuditLogBlockingStub stub) {
    long start = System.nanoTime();
    try {
      stub.withDeadlineAfter(30, TimeUnit.SECONDS)
          .append(Events.request(Events.registrationFailure()));
      acknowledged.incrementAndGet();
      latenciesMicros.add((System.nanoTime() - start) / 1000);
    } catch (RuntimeException e) {
      failures.incrementAndGet();
    }
  }

  /** Lets the load run for {@code length}; the p99 of the appends acknowledged in it. */
  private Duration phase(Duration length) throws Exception {
    latenciesMicros.clear();
    long end = System.nanoTime() + length.toNanos();
    Await.until("the phase has run", length.plusSeconds(5), () -> System.nanoTime() >= end);
    List<Long> sorted;
    synchronized (latenciesMicros) {
      sorted = new ArrayList<>(latenciesMicros);
    }
    Collections.sort(sorted);
    return Duration.ofNanos(1000 * sorted.get((int) (sorted.size() * 0.99)));
  }

  private ForwarderStatus status() {
    return server.stub("auditor").listForwarders(ListForwardersRequest.getDefaultInstance())
        .getForwarders(0);
  }
}
