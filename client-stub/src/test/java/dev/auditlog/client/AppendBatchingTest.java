package dev.auditlog.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.auditlog.api.v1.AppendResponse;
import dev.auditlog.api.v1.AuditEvent;
import dev.auditlog.api.v1.Entry;
import dev.auditlog.api.v1.ListRequest;
import dev.auditlog.server.AuditServerExtension;
import dev.auditlog.server.Await;
import dev.auditlog.server.Events;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Batching of {@link AuditClient#appendAsync} against the server in-process, over the
 * in-memory store behind a gate that keeps appends in flight while the test queues more.
 * The in-process channel has no retry policy: every retry seen here is the batcher's.
 */
class AppendBatchingTest {
  private static final Duration LONG_LINGER = Duration.ofSeconds(1);

  private GatedStore gate;
  private LostCommitAcknowledgement store;
  private final CallCounter calls = new CallCounter();

  @RegisterExtension
  final AuditServerExtension server = AuditServerExtension.inProcess()
      .wrapStore(s -> gate = new GatedStore(store = new LostCommitAcknowledgement(s)));

  private AuditClient.Builder batching(Duration linger, int maxEvents) {
    return AuditClient.builder().channel(server.channel("auth-backend"))
        .batching(linger, maxEvents).intercept(calls);
  }

  /**
   * Shuts the gate and starts two appends, which go out at once (two batches in flight) and
   * wait in the server; what is appended next queues in the client.
   */
  private List<CompletableFuture<AppendResponse>> twoInFlight(AuditClient client)
      throws Exception {
    gate.shut();
    List<CompletableFuture<AppendResponse>> first = List.of(
        client.appendAsync(Events.registrationFailure()),
        client.appendAsync(Events.registrationFailure()));
    Await.until("the first append waits at the gate", Duration.ofSeconds(10),
        () -> gate.waiting() == 1 && calls.started("AppendBatch") == 2);
    return first;
  }

  private List<Entry> stored() throws Exception {
    try (AuditClient auditor = AuditClient.over(server.channel("auditor"))) {
      return auditor.listAll(ListRequest.getDefaultInstance()).collect(Collectors.toList());
    }
  }

  private static AppendResponse get(CompletableFuture<AppendResponse> f) throws Exception {
    return f.get(30, TimeUnit.SECONDS);
  }

  @Test
  void appendAsync_eventsArrivingWhileBatchesAreInFlight_goOutTogether_eachWithItsOwnEntry()
      throws Exception {
    List<AuditEvent> events = new ArrayList<>();
    List<CompletableFuture<AppendResponse>> answers = new ArrayList<>();
    try (AuditClient client = batching(LONG_LINGER, 1000).build()) {
      answers.addAll(twoInFlight(client));
      for (int i = 0; i < 98; i++) {
        AuditEvent e = Events.registrationFailure();
        events.add(e);
        answers.add(client.appendAsync(e));
      }
      gate.open();
      for (CompletableFuture<AppendResponse> a : answers) {
        get(a);
      }
    }

    assertEquals(3, calls.started("AppendBatch"), "two alone, then the 98 that queued");
    assertEquals(0, calls.started("Append"));
    Map<Long, Entry> bySeq =
        stored().stream().collect(Collectors.toMap(Entry::getSeq, Function.identity()));
    assertEquals(100, bySeq.size());
    for (int i = 0; i < events.size(); i++) {
      AppendResponse r = get(answers.get(i + 2));
      assertEquals(events.get(i).getEventId(), bySeq.get(r.getSeq()).getEventId());
      assertEquals(r.getEntryHash(), bySeq.get(r.getSeq()).getEntryHash());
    }
    Events.assertChain(stored());
  }

  @Test
  void appendAsync_refusedEventsInABatch_failAloneWithTheStatusUnaryAppendGives()
      throws Exception {
    AuditEvent stored = Events.registrationFailure();
    AuditEvent conflicting = stored.toBuilder().setUserId("someone-else").build();
    AuditEvent badIp = Events.registrationFailure().toBuilder().setSourceIp("300.1.2.3").build();
    AuditClient unary = AuditClient.over(server.channel("auth-backend"));
    unary.append(stored);
    var unaryConflict = assertThrows(StatusRuntimeException.class, () -> unary.append(conflicting));
    var unaryBadIp = assertThrows(StatusRuntimeException.class, () -> unary.append(badIp));

    CompletableFuture<AppendResponse> ok1;
    CompletableFuture<AppendResponse> bad;
    CompletableFuture<AppendResponse> conflict;
    CompletableFuture<AppendResponse> ok2;
    try (AuditClient client = batching(LONG_LINGER, 1000).build()) {
      twoInFlight(client);
      ok1 = client.appendAsync(Events.registrationFailure());
      bad = client.appendAsync(badIp);
      conflict = client.appendAsync(conflicting);
      ok2 = client.appendAsync(Events.registrationFailure());
      gate.open();
      get(ok1);
      get(ok2);
    }

    assertEquals(3, calls.started("AppendBatch"), "the four went out together");
    assertSameStatus(unaryBadIp, bad);
    assertSameStatus(unaryConflict, conflict);
    assertTrue(unaryBadIp.getStatus().getDescription().startsWith("event.source_ip: "),
        unaryBadIp::toString);
    assertEquals(Status.Code.ALREADY_EXISTS, unaryConflict.getStatus().getCode());
    assertEquals(5, stored().size(), "stored, two to fill the flight, ok1 and ok2");
  }

  private static void assertSameStatus(StatusRuntimeException unary,
      CompletableFuture<AppendResponse> batched) {
    var e = assertThrows(ExecutionException.class, () -> batched.get(30, TimeUnit.SECONDS));
    Status s = Status.fromThrowable(e.getCause());
    assertEquals(unary.getStatus().getCode(), s.getCode(), e::toString);
    assertEquals(unary.getStatus().getDescription(), s.getDescription());
  }

  @Test
  void appendAsync_batchCommittedButAnsweredUnavailable_isResentWithTheSameIdsAndStoredOnce()
      throws Exception {
    store.loseTheNextAcknowledgement();
    List<CompletableFuture<AppendResponse>> answers = new ArrayList<>();
    try (AuditClient client = batching(Duration.ofMillis(1), 1000).build()) {
      for (int i = 0; i < 20; i++) {
        answers.add(client.appendAsync(Events.registrationFailure()));
      }
      for (CompletableFuture<AppendResponse> a : answers) {
        get(a);
      }
    }

    // Both batches of the first two events may have been in the lost commit's group.
    assertTrue(calls.ended(Status.Code.UNAVAILABLE) >= 1, "a batch was answered UNAVAILABLE");
    List<Entry> entries = stored();
    assertEquals(20, entries.size());
    assertEquals(20, entries.stream().map(Entry::getEventId).distinct().count());
    Events.assertChain(entries);
  }

  @Test
  void appendAsync_serverTakesSmallerBatches_theBatchIsSplitAndEveryEventStored()
      throws Exception {
    server.stop();
    server.start(b -> b.maxBatchSize(4));
    List<CompletableFuture<AppendResponse>> answers = new ArrayList<>();
    try (AuditClient client = batching(LONG_LINGER, 1000).build()) {
      answers.addAll(twoInFlight(client));
      for (int i = 0; i < 30; i++) {
        answers.add(client.appendAsync(Events.registrationFailure()));
      }
      gate.open();
      for (CompletableFuture<AppendResponse> a : answers) {
        get(a);
      }
    }

    assertEquals(32, stored().size());
    assertTrue(calls.ended(Status.Code.INVALID_ARGUMENT) >= 1, "the 30 were refused at first");
  }

  @Test
  void appendAsync_serverQueueFull_isRetriedAfterTheDelayOfItsRetryInfo() throws Exception {
    server.stop();
    server.start(b -> b.queueCapacity(1));
    List<CompletableFuture<AppendResponse>> answers = new ArrayList<>();
    long refused;
    try (AuditClient client = batching(Duration.ofMillis(1), 1000).build()) {
      answers.addAll(twoInFlight(client));
      answers.add(client.appendAsync(Events.registrationFailure()));
      Await.until("the server refused a batch", Duration.ofSeconds(10),
          () -> calls.ended(Status.Code.RESOURCE_EXHAUSTED) >= 1);
      refused = System.nanoTime();
      gate.open();
      get(answers.get(2));
    }

    assertTrue(System.nanoTime() - refused >= TimeUnit.MILLISECONDS.toNanos(900),
        "retried after the server's 1 s");
    for (CompletableFuture<AppendResponse> a : answers) {
      get(a);
    }
    assertEquals(3, stored().size());
  }

  @Test
  void appendAsync_pendingLimitReached_failsAtOnceWithResourceExhausted() throws Exception {
    try (AuditClient client = batching(Duration.ofMillis(1), 1)
        .maxPending(1, 64L * 1024 * 1024).build()) {
      gate.shut();
      CompletableFuture<AppendResponse> first = client.appendAsync(Events.registrationFailure());
      CompletableFuture<AppendResponse> second = client.appendAsync(Events.registrationFailure());

      assertTrue(second.isCompletedExceptionally(), "refused without waiting");
      var e = assertThrows(ExecutionException.class, second::get);
      assertEquals(Status.Code.RESOURCE_EXHAUSTED, Status.fromThrowable(e.getCause()).getCode());
      assertTrue(e.getCause().getMessage().contains("maxPending"), e::toString);
      gate.open();
      get(first);
      get(client.appendAsync(Events.registrationFailure()));
    }
    assertEquals(2, stored().size());
  }

  @Test
  void close_sendsWhatIsQueuedAtOnce_andWaitsForTheAnswers() throws Exception {
    AuditClient client = batching(LONG_LINGER, 1000).build();
    List<CompletableFuture<AppendResponse>> answers = new ArrayList<>(twoInFlight(client));
    for (int i = 0; i < 8; i++) {
      answers.add(client.appendAsync(Events.registrationFailure()));
    }
    long start = System.nanoTime();
    Thread closing = new Thread(client::close);
    closing.start();

    Await.until("close sent the queued eight", LONG_LINGER.multipliedBy(9).dividedBy(10),
        () -> calls.started("AppendBatch") == 3);
    assertTrue(System.nanoTime() - start < LONG_LINGER.toNanos(), "before the linger ended");
    assertTrue(closing.isAlive(), "close waits for the answers");
    gate.open();
    closing.join(30_000);

    assertTrue(answers.stream().allMatch(a -> a.isDone() && !a.isCompletedExceptionally()));
    var late = assertThrows(ExecutionException.class,
        () -> get(client.appendAsync(Events.registrationFailure())));
    assertEquals(Status.Code.UNAVAILABLE, Status.fromThrowable(late.getCause()).getCode());
    assertEquals(10, stored().size());
  }
}
