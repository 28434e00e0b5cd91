package dev.auditlog.server.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.auditlog.api.v1.AppendBatchRequest;
import dev.auditlog.api.v1.AppendResponse;
import dev.auditlog.api.v1.AuditEvent;
import dev.auditlog.api.v1.AuditLogGrpc.AuditLogBlockingStub;
import dev.auditlog.api.v1.Entry;
import dev.auditlog.api.v1.ListRequest;
import dev.auditlog.api.v1.ListResponse;
import dev.auditlog.api.v1.Outcome;
import dev.auditlog.server.AuditServerExtension;
import dev.auditlog.server.Events;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * List's search filters from the outside: gRPC over real mutual TLS, a real PostgreSQL, the
 * producer stamped from the client certificate.
 */
class SearchIT {
  @RegisterExtension
  final AuditServerExtension server = AuditServerExtension.mutualTls()
      .configure(b -> b.appenders(Set.of("auth-backend", "intruder")));

  private AuditLogBlockingStub auditor;

  @BeforeEach
  void appendLog() {
    auditor = server.stub("auditor");
    AuditLogBlockingStub backend = server.stub("auth-backend");
    append(backend, "user.login", "alice", "tenant/acme", Outcome.OUTCOME_SUCCESS, "203.0.113.7");
    append(backend, "user.login", "bob", "tenant/acme", Outcome.OUTCOME_FAILURE, "203.0.113.9");
    append(backend, "user.logout", "alice", "tenant/beta", Outcome.OUTCOME_SUCCESS,
        "2001:db8::1");
    append(server.stub("intruder"), "userx.odd", "carol", "", Outcome.OUTCOME_DENIED, "");
    append(backend, "config.change", "alice", "tenant/acme", Outcome.OUTCOME_ERROR, "10.1.2.3");
    append(backend, "user.register", "dave", "tenant/acme", Outcome.OUTCOME_FAILURE,
        "2001:DB8:1:0::5");
  }

  @Test
  void list_byEachFilter_returnsItsEntriesInSeqOrder() {
    assertEquals(List.of(1L, 2L, 3L, 6L), seqs(r -> r.setActionPrefix("user.")));
    assertEquals(List.of(1L, 3L, 5L), seqs(r -> r.setUserId("alice")));
    assertEquals(List.of(1L, 2L, 5L, 6L), seqs(r -> r.setTarget("tenant/acme")));
    assertEquals(List.of(2L, 6L), seqs(r -> r.setOutcome(Outcome.OUTCOME_FAILURE)));
    assertEquals(List.of(4L), seqs(r -> r.setProducer("intruder")));
    assertEquals(List.of(1L), seqs(r -> r.setSourceIp("203.0.113.7")));
    assertEquals(List.of(1L, 2L), seqs(r -> r.setSourceIp("203.0.113.0/24")));
    assertEquals(List.of(3L, 6L), seqs(r -> r.setSourceIp("2001:db8::/32")));
    assertEquals(List.of(6L), seqs(r -> r.setSourceIp("2001:db8:1::5")));
    assertEquals(List.of(3L), seqs(r -> r.setSourceIp("2001:db8::1%eth9")));
  }

  @Test
  void list_combinedFilters_returnEntriesThatMeetThemAll() {
    assertEquals(List.of(2L, 6L),
        seqs(r -> r.setActionPrefix("user.").setOutcome(Outcome.OUTCOME_FAILURE)));
    assertEquals(List.of(1L), seqs(r -> r.setUserId("alice").setSourceIp("203.0.113.0/24")));
    assertEquals(List.of(5L), seqs(r -> r.setTarget("tenant/acme").setAction("config.change")));
    assertEquals(List.of(), seqs(r -> r.setProducer("intruder").setUserId("alice")));
    assertEquals(List.of(2L), seqs(r -> r.setAction("user.login").setUserId("bob")
        .setTarget("tenant/acme").setOutcome(Outcome.OUTCOME_FAILURE)
        .setProducer("auth-backend").setSourceIp("203.0.0.0/16").setActionPrefix("user.l")));
  }

  @Test
  void list_filterAndTimeWindow_combine() {
    Entry fifth = page(r -> r.setUserId("alice")).getEntries(2);

    assertEquals(List.of(5L), seqs(r -> r.setUserId("alice").setSince(fifth.getRecordedAt())));
    assertEquals(List.of(1L, 3L),
        seqs(r -> r.setUserId("alice").setUntil(fifth.getRecordedAt())));
  }

  @Test
  void list_filteredPages_followTheTokenWithoutSkipOrRepeat() {
    List<AppendResponse> more = new ArrayList<>();
    AppendBatchRequest.Builder batch = AppendBatchRequest.newBuilder();
    for (int i = 0; i < 40; i++) {
      batch.addEvents(event("user.step" + (40 - i), "erin", "t", Outcome.OUTCOME_SUCCESS,
          "198.51.100." + (100 - i)));
    }
    server.stub("auth-backend").appendBatch(batch.build()).getResultsList()
        .forEach(r -> more.add(r.getAppended()));
    List<Long> expected = more.stream().map(AppendResponse::getSeq).toList();

    for (UnaryOperator<ListRequest.Builder> f : List.<UnaryOperator<ListRequest.Builder>>of(
        r -> r.setActionPrefix("user.step"), r -> r.setSourceIp("198.51.100.0/24"))) {
      List<Long> seen = new ArrayList<>();
      String token = "";
      do {
        String t = token;
        ListResponse p = page(r -> f.apply(r).setPageSize(7).setPageToken(t));
        p.getEntriesList().forEach(e -> seen.add(e.getSeq()));
        token = p.getNextPageToken();
      } while (!token.isEmpty());
      assertEquals(expected, seen);
    }
  }

  @Test
  void list_tokenWithOtherFilters_isInvalidArgumentNamingPageToken() {
    String token = page(r -> r.setUserId("alice").setPageSize(1)).getNextPageToken();

    assertEquals(List.of(3L), seqs(r -> r.setUserId("alice").setPageSize(1).setPageToken(token)));
    for (UnaryOperator<ListRequest.Builder> other : List.<UnaryOperator<ListRequest.Builder>>of(
        r -> r.setUserId("bob"), r -> r.setUserId("alice").setTarget("tenant/acme"),
        r -> r.setUserId("alice").setOutcome(Outcome.OUTCOME_SUCCESS),
        r -> r.setUserId("alice").setProducer("auth-backend"),
        r -> r.setUserId("alice").setSourceIp("0.0.0.0/0"),
        r -> r.setUserId("alice").setActionPrefix("user."), r -> r)) {
      assertInvalid("page_token: was issued for other filters",
          r -> other.apply(r).setPageToken(token));
    }
  }

  @Test
  void list_badFilterValues_areInvalidArgumentNamingTheField() {
    assertInvalid("source_ip: must be an IP address or CIDR such as 10.0.0.0/8, got"
        + " '10.0.0.0/33'", r -> r.setSourceIp("10.0.0.0/33"));
    assertInvalid("source_ip: must be an IP address or CIDR such as 10.0.0.0/8, got"
        + " '203.0.113'", r -> r.setSourceIp("203.0.113"));
    assertInvalid("action_prefix: must be letters, digits", r -> r.setActionPrefix("user%"));
    assertInvalid("user_id: at most 256 characters", r -> r.setUserId("u".repeat(300)));
    assertInvalid("target: must not contain U+0000", r -> r.setTarget("a\0"));
    assertInvalid("producer: at most 1024 characters", r -> r.setProducer("p".repeat(1025)));
    assertInvalid("outcome: must be one of", r -> r.setOutcomeValue(42));
  }

  private void assertInvalid(String messageStart, UnaryOperator<ListRequest.Builder> request) {
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
        () -> page(request));
    assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
    assertTrue(e.getStatus().getDescription().startsWith(messageStart),
        e.getStatus().getDescription());
  }

  private ListResponse page(UnaryOperator<ListRequest.Builder> request) {
    return auditor.list(request.apply(ListRequest.newBuilder()).build());
  }

  private List<Long> seqs(UnaryOperator<ListRequest.Builder> request) {
    return page(request).getEntriesList().stream().map(Entry::getSeq).toList();
  }

  private static void append(AuditLogBlockingStub stub, String action, String userId,
      String target, Outcome outcome, String sourceIp) {
    stub.append(Events.request(event(action, userId, target, outcome, sourceIp)));
  }

  private static AuditEvent event(String action, String userId, String target,
      Outcome outcome, String sourceIp) {
    return Events.registrationFailure().toBuilder().setAction(action).setUserId(userId)
        .setTarget(target).setOutcome(outcome).setSourceIp(sourceIp).build();
  }
}
