package dev.auditlog.server.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.auditlog.api.v1.AuditLogGrpc;
import dev.auditlog.api.v1.AuditLogGrpc.AuditLogBlockingStub;
import dev.auditlog.api.v1.Entry;
import dev.auditlog.api.v1.ListRequest;
import dev.auditlog.api.v1.ListResponse;
import dev.auditlog.server.AuditServerExtension;
import dev.auditlog.server.Events;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Concurrent appenders, one or two server instances on one database: one gap-free chain. */
class ConcurrentAppendIT {
  @RegisterExtension
  @Order(1)
  final AuditServerExtension first = AuditServerExtension.mutualTls();

  /** A second instance on the first one's database, started by the tests that want it. */
  @RegisterExtension
  @Order(2)
  final AuditServerExtension second =
      AuditServerExtension.mutualTls(() -> first.db().store()).notStarted();

  @Test
  void sixteenClientsTimes500Appends_giveSeq1To8000AndAValidChain() throws Exception {
    Set<String> acknowledged = appendConcurrently(List.of(first), 16, 500);

    List<Entry> entries = listAll(first);
    assertEquals(8000, acknowledged.size());
    assertEquals(8000, entries.size());
    Events.assertChain(entries);
    assertEquals(acknowledged, eventIds(entries));
  }

  @Test
  void twoServerInstancesOnOneDatabase_keepOneGapFreeChain() throws Exception {
    second.start();

    Set<String> acknowledged = appendConcurrently(List.of(first, second), 8, 250);

    List<Entry> entries = listAll(first);
    assertEquals(2000, entries.size());
    Events.assertChain(entries);
    assertEquals(acknowledged, eventIds(entries));
  }

  /** Runs {@code clients} threads spread over the servers; returns the acknowledged ids. */
  private static Set<String> appendConcurrently(List<AuditServerExtension> targets, int clients,
      int each) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(clients);
    List<Future<List<String>>> futures = new ArrayList<>();
    for (int c = 0; c < clients; c++) {
      AuditLogBlockingStub stub = AuditLogGrpc.newBlockingStub(
          targets.get(c % targets.size()).channel("auth-backend"));
      futures.add(pool.submit(() -> {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < each; i++) {
          var event = Events.registrationFailure();
          stub.withDeadlineAfter(30, TimeUnit.SECONDS).append(Events.request(event));
          ids.add(event.getEventId());
        }
        return ids;
      }));
    }
    Set<String> acknowledged = new HashSet<>();
    for (Future<List<String>> f : futures) {
      acknowledged.addAll(f.get(5, TimeUnit.MINUTES));
    }
    pool.shutdown();
    return acknowledged;
  }

  private static List<Entry> listAll(AuditServerExtension server) {
    AuditLogBlockingStub auditor = server.stub("auditor");
    List<Entry> all = new ArrayList<>();
    String token = "";
    do {
      ListResponse page = auditor.list(
          ListRequest.newBuilder().setPageSize(1000).setPageToken(token).build());
      all.addAll(page.getEntriesList());
      token = page.getNextPageToken();
    } while (!token.isEmpty());
    return all;
  }

  private static Set<String> eventIds(List<Entry> entries) {
    Set<String> ids = new HashSet<>();
    entries.forEach(e -> ids.add(e.getEventId()));
    return ids;
  }
}
