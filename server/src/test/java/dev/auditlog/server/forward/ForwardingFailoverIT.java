package dev.auditlog.server.forward;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.auditlog.api.v1.AppendBatchRequest;
import dev.auditlog.api.v1.AuditLogGrpc;
import dev.auditlog.api.v1.ForwarderStatus;
import dev.auditlog.api.v1.ListForwardersRequest;
import dev.auditlog.server.Await;
import dev.auditlog.server.AuditServer;
import dev.auditlog.server.AuditServerExtension;
import dev.auditlog.server.Events;
import dev.auditlog.server.TestDatabase;
import dev.auditlog.server.store.PostgresAuditStore;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two server instances on one database, both configured to forward to one destination: one
 * of them forwards (it holds the lease), the other stands by; when the one forwarding stops,
 * the other takes over from the durable cursor, and every entry arrives.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class ForwardingFailoverIT {
  @TempDir Path tmp;
  private TestDatabase db;
  private BulkReceiver receiver;
  private final List<AutoCloseable> closing = new ArrayList<>();

  @BeforeEach
  void start() throws Exception {
    db = TestDatabase.create();
    receiver = new BulkReceiver();
  }

  @AfterEach
  void stop() throws Exception {
    for (int i = closing.size() - 1; i >= 0; i--) {
      closing.get(i).close();
    }
    receiver.close();
    db.close();
  }

  @Test
  void theInstanceForwarding_stops_andTheOtherTakesOverFromTheCursor() throws Exception {
    Path config = Files.writeString(tmp.resolve("forwarding.json"), """
        {"poll_interval_ms": 50, "destinations": [
          {"name": "siem", "type": "elastic", "url": "%s", "batch_size": 100}]}
        """.formatted(receiver.url()));
    AuditServer first = server(config);
    AuditServer second = server(config);
    append(first, 500);
    Await.until("the first 500 are forwarded", Duration.ofSeconds(60),
        () -> entriesReceived() == 500);
    boolean firstLeads = status(first).getForwardingHere();
    assertTrue(firstLeads != status(second).getForwardingHere(), "exactly one forwards");
    AuditServer leading = firstLeads ? first : second;
    AuditServer standing = firstLeads ? second : first;

    leading.close();
    closing.remove(leading);
    append(standing, 500);

    Await.until("the other instance forwards the rest", Duration.ofSeconds(60),
        () -> entriesReceived() == 1000);
    assertTrue(status(standing).getForwardingHere());
    // The forwarder moves its cursor after the receiver answered: the documents arrive first.
    Await.until("the cursor reaches 1000", Duration.ofSeconds(30),
        () -> status(standing).getCursorSeq() == 1000);
    System.out.printf("failover: %d documents, %d repeats answered 409%n",
        receiver.documents().size(), receiver.repeats());
  }

  private AuditServer server(Path forwarding) throws Exception {
    PostgresAuditStore store = db.store();
    AuditServer server = AuditServer.start(AuditServerExtension.baseConfig()
        .forwardingConfig(forwarding).build(), store);
    closing.add(store);
    closing.add(server);
    return server;
  }

  private long entriesReceived() {
    return receiver.documents().values().stream()
        .filter(d -> d.get("type").getAsString().equals("entry")).count();
  }

  private void append(AuditServer server, int n) throws Exception {
    var stub = AuditLogGrpc.newBlockingStub(channel(server, "auth-backend"));
    for (int done = 0; done < n; done += 100) {
      AppendBatchRequest.Builder b = AppendBatchRequest.newBuilder();
      for (int i = 0; i < 100; i++) {
        b.addEvents(Events.registrationFailure());
      }
      stub.withDeadlineAfter(30, TimeUnit.SECONDS).appendBatch(b.build());
    }
  }

  private ForwarderStatus status(AuditServer server) throws Exception {
    return AuditLogGrpc.newBlockingStub(channel(server, "auditor"))
        .withDeadlineAfter(30, TimeUnit.SECONDS)
        .listForwarders(ListForwardersRequest.getDefaultInstance()).getForwarders(0);
  }

  private ManagedChannel channel(AuditServer server, String client) throws Exception {
    ManagedChannel channel = NettyChannelBuilder.forAddress("localhost", server.port())
        .sslContext(AuditServerExtension.clientContext(client)).build();
    closing.add(channel::shutdownNow);
    return channel;
  }
}
