package dev.auditlog.server.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Timestamp;
import dev.auditlog.api.v1.AppendBatchRequest;
import dev.auditlog.api.v1.AppendResponse;
import dev.auditlog.api.v1.AuditLogGrpc.AuditLogBlockingStub;
import dev.auditlog.api.v1.Entry;
import dev.auditlog.api.v1.ListRequest;
import dev.auditlog.api.v1.ListResponse;
import dev.auditlog.server.AuditServerExtension;
import dev.auditlog.server.Events;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** List: filters, paging, limits; over real mutual TLS against a real PostgreSQL. */
class ListIT {
  @RegisterExtension
  final AuditServerExtension server = AuditServerExtension.mutualTls();
  private AuditLogBlockingStub backend;
  private AuditLogBlockingStub auditor;

  @BeforeEach
  void stubs() {
    backend = server.stub("auth-backend");
    auditor = server.stub("auditor");
  }

  @Test
  void list_byAction_returnsOnlyThatAction() {
    backend.append(Events.request(Events.withAction("user.login")));
    backend.append(Events.request(Events.withAction("user.logout")));
    backend.append(Events.request(Events.withAction("user.login")));

    ListResponse r = auditor.list(ListRequest.newBuilder().setAction("user.login").build());

    assertEquals(List.of(1L, 3L), r.getEntriesList().stream().map(Entry::getSeq).toList());
    assertEquals("", r.getNextPageToken());
  }

  @Test
  void list_sinceAndUntil_selectByRecordedAtWithSinceInclusiveAndUntilExclusive() {
    AppendResponse a = backend.append(Events.request(Events.registrationFailure()));
    AppendResponse b = backend.append(Events.request(Events.registrationFailure()));
    AppendResponse c = backend.append(Events.request(Events.registrationFailure()));
    assertRecordedOneAfterTheOther(a, b, c);

    List<Long> fromB = seqs(ListRequest.newBuilder().setSince(b.getRecordedAt()).build());
    List<Long> beforeB = seqs(ListRequest.newBuilder().setUntil(b.getRecordedAt()).build());
    List<Long> onlyB = seqs(ListRequest.newBuilder()
        .setSince(b.getRecordedAt()).setUntil(c.getRecordedAt()).build());

    assertEquals(List.of(b.getSeq(), c.getSeq()), fromB);
    assertEquals(List.of(a.getSeq()), beforeB);
    assertEquals(List.of(b.getSeq()), onlyB);
  }

  @Test
  void list_timeWindowAndAction_combine() {
    AppendResponse before = backend.append(Events.request(Events.withAction("apikey.create")));
    AppendResponse from = backend.append(Events.request(Events.withAction("user.login")));
    assertRecordedOneAfterTheOther(before, from);
    backend.append(Events.request(Events.withAction("apikey.create")));

    List<Long> seqs = seqs(ListRequest.newBuilder()
        .setSince(from.getRecordedAt()).setAction("apikey.create").build());

    assertEquals(List.of(3L), seqs);
  }

  @Test
  void list_pagesThroughMoreThan1000WhileAppendsContinue_withoutSkipOrRepeat()
      throws Exception {
    appendBatches(1500);
    AtomicBoolean stop = new AtomicBoolean();
    AtomicInteger appendedDuring = new AtomicInteger();
    ExecutorService writer = Executors.newSingleThreadExecutor();
    Future<?> writing = writer.submit(() -> {
      while (!stop.get()) {
        backend.appendBatch(batch(50));
        appendedDuring.addAndGet(50);
      }
    });

    List<Long> seen = new ArrayList<>();
    String token = "";
    do {
      ListResponse page = auditor.list(
          ListRequest.newBuilder().setPageSize(1000).setPageToken(token).build());
      page.getEntriesList().forEach(e -> seen.add(e.getSeq()));
      token = page.getNextPageToken();
      assertTrue(page.getEntriesCount() <= 1000);
    } while (!token.isEmpty() && seen.size() < 4000);
    stop.set(true);
    writing.get();
    writer.shutdown();

    assertTrue(seen.size() >= 1500, "saw " + seen.size());
    for (int i = 0; i < seen.size(); i++) {
      assertEquals(i + 1, seen.get(i), "entry at position " + i);
    }
    assertTrue(appendedDuring.get() > 0);
  }

  @Test
  void list_pageSizeOver1000_isInvalidArgumentNamingPageSize() {
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
        () -> auditor.list(ListRequest.newBuilder().setPageSize(1001).build()));

    assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
    assertTrue(e.getStatus().getDescription().startsWith("page_size: "));
  }

  @Test
  void list_defaultPageSize_is100WithAToken() {
    appendBatches(150);

    ListResponse first = auditor.list(ListRequest.getDefaultInstance());
    ListResponse second =
        auditor.list(ListRequest.newBuilder().setPageToken(first.getNextPageToken()).build());

    assertEquals(100, first.getEntriesCount());
    assertEquals(50, second.getEntriesCount());
    assertEquals(101, second.getEntries(0).getSeq());
    assertEquals("", second.getNextPageToken());
  }

  @Test
  void list_tokenWithOtherFilters_isInvalidArgumentNamingPageToken() {
    appendBatches(3);
    String token =
        auditor.list(ListRequest.newBuilder().setPageSize(1).build()).getNextPageToken();

    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> auditor.list(
        ListRequest.newBuilder().setPageSize(1).setAction("x").setPageToken(token).build()));

    assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
    assertTrue(e.getStatus().getDescription().startsWith("page_token: "));
  }

  @Test
  void list_garbageToken_isInvalidArgument() {
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
        () -> auditor.list(ListRequest.newBuilder().setPageToken("%%%").build()));

    assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
    assertTrue(e.getStatus().getDescription().startsWith("page_token: "));
  }

  @Test
  void list_untilBeforeSince_isInvalidArgument() {
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> auditor.list(
        ListRequest.newBuilder().setSince(Timestamp.newBuilder().setSeconds(100))
            .setUntil(Timestamp.newBuilder().setSeconds(50)).build()));

    assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
    assertTrue(e.getStatus().getDescription().startsWith("until: "));
  }

  /**
   * Appends answered one after the other are recorded at strictly increasing times: each
   * group's recorded_at is a database clock reading taken after the previous group's (by its
   * commit, or afresh), and never before it. The time windows above rely on this.
   */
  private static void assertRecordedOneAfterTheOther(AppendResponse... appends) {
    for (int i = 1; i < appends.length; i++) {
      assertTrue(instant(appends[i - 1].getRecordedAt())
              .isBefore(instant(appends[i].getRecordedAt())),
          "recorded_at of seq " + appends[i].getSeq() + " is after the one before");
    }
  }

  private static Instant instant(Timestamp t) {
    return Instant.ofEpochSecond(t.getSeconds(), t.getNanos());
  }

  private List<Long> seqs(ListRequest request) {
    return auditor.list(request).getEntriesList().stream().map(Entry::getSeq).toList();
  }

  private void appendBatches(int n) {
    for (int done = 0; done < n; done += 500) {
      backend.appendBatch(batch(Math.min(500, n - done)));
    }
  }

  private static AppendBatchRequest batch(int n) {
    AppendBatchRequest.Builder b = AppendBatchRequest.newBuilder();
    for (int i = 0; i < n; i++) {
      b.addEvents(Events.registrationFailure());
    }
    return b.build();
  }
}
