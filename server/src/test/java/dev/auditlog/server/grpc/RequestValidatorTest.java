package dev.auditlog.server.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.google.protobuf.Timestamp;
import dev.auditlog.api.v1.AppendBatchRequest;
import dev.auditlog.api.v1.AppendRequest;
import dev.auditlog.api.v1.Entry;
import dev.auditlog.api.v1.ExportRequest;
import dev.auditlog.api.v1.GetCheckpointRequest;
import dev.auditlog.api.v1.ListRequest;
import dev.auditlog.server.Events;
import dev.auditlog.server.store.ListQuery;
import io.grpc.Status;
import io.grpc.StatusException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Every request refused where it arrives, naming the field; without a server. */
class RequestValidatorTest {
  private final RequestValidator validator = new RequestValidator("default", 3);

  @Test
  void append_withoutEvent_namesEvent() {
    assertInvalid("event: required", () -> validator.append(
        AppendRequest.getDefaultInstance(), "auth-backend"));
  }

  @Test
  void append_isTheEventsDraftWithTheProducer() throws StatusException {
    var event = Events.registrationFailure();

    Entry draft = validator.append(Events.request(event), "auth-backend");

    assertEquals(event.getEventId(), draft.getEventId());
    assertEquals("auth-backend", draft.getProducer());
  }

  @Test
  void batch_emptyOrOverTheLimit_namesEvents() {
    assertInvalid("events: 1 to 3 events per batch, got 0",
        () -> validator.batch(AppendBatchRequest.getDefaultInstance()));
    AppendBatchRequest.Builder four = AppendBatchRequest.newBuilder();
    for (int i = 0; i < 4; i++) {
      four.addEvents(Events.registrationFailure());
    }
    assertInvalid("events: 1 to 3 events per batch, got 4", () -> validator.batch(four.build()));
  }

  @Test
  void batchEvent_namesItsIndex() {
    var bad = Events.registrationFailure().toBuilder().setEventId("nope").build();

    assertInvalid("events[2].event_id:", () -> validator.batchEvent(bad, 2, "auth-backend"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"fe80::1%eth0", "fe80::1%nosuch0", "fe80::1%1", "::1%999999"})
  void append_sourceIpWithAZoneId_namesSourceIp(String ip) {
    // A zone names an interface of the sender's host: no address the hash format writes.
    var event = Events.registrationFailure().toBuilder().setSourceIp(ip).build();

    assertInvalid("event.source_ip: must be an IPv4 or IPv6 address, got '" + ip + "'",
        () -> validator.append(Events.request(event), "auth-backend"));
  }

  @Test
  void list_defaultsAndBounds() throws StatusException {
    ListQuery q = validator.list(ListRequest.getDefaultInstance());

    assertEquals(new ListQuery("default", 0, null, null, null, 100), q);
    assertInvalid("page_size: must be 1 to 1000 (0 for 100), got 1001",
        () -> validator.list(ListRequest.newBuilder().setPageSize(1001).build()));
    assertInvalid("page_size: must be 1 to 1000 (0 for 100), got -1",
        () -> validator.list(ListRequest.newBuilder().setPageSize(-1).build()));
  }

  @Test
  void list_untilBeforeSince_namesUntil() {
    assertInvalid("until: must not be before since", () -> validator.list(ListRequest.newBuilder()
        .setSince(Timestamp.newBuilder().setSeconds(100)).setUntil(
            Timestamp.newBuilder().setSeconds(99)).build()));
  }

  @Test
  void list_badActionOrToken_namesTheField() {
    assertInvalid("action:", () -> validator.list(
        ListRequest.newBuilder().setAction("-bad").build()));
    assertInvalid("page_token: not a token this server issued", () -> validator.list(
        ListRequest.newBuilder().setPageToken("garbage").build()));
  }

  @Test
  void list_tokenOfOtherFilters_namesPageToken() {
    String token = PageTokens.encode(7, RequestValidator.filters(
        ListRequest.newBuilder().setAction("user.login").build()));

    assertInvalid("page_token: was issued for other filters", () -> validator.list(
        ListRequest.newBuilder().setAction("user.logout").setPageToken(token).build()));
  }

  @Test
  void getCheckpoint_negativeSeqOrFreshWithSeq_namesSeq() throws StatusException {
    assertInvalid("seq: must be >= 0, got -1", () -> validator.getCheckpoint(
        GetCheckpointRequest.newBuilder().setSeq(-1).build()));
    assertInvalid("seq: must be 0 when fresh is set", () -> validator.getCheckpoint(
        GetCheckpointRequest.newBuilder().setFresh(true).setSeq(2).build()));
    validator.getCheckpoint(GetCheckpointRequest.newBuilder().setFresh(true).build());
  }

  @Test
  void export_badRange_namesTheField() throws StatusException {
    assertInvalid("from_seq: must be >= 0, got -1",
        () -> validator.export(ExportRequest.newBuilder().setFromSeq(-1).build()));
    assertInvalid("to_seq: must be >= 0 (0 for the head), got -1",
        () -> validator.export(ExportRequest.newBuilder().setToSeq(-1).build()));
    assertInvalid("to_seq: must not be below from_seq 5",
        () -> validator.export(ExportRequest.newBuilder().setFromSeq(5).setToSeq(4).build()));
    assertInvalid("since: must lie in years 0001 to 9999", () -> validator.export(
        ExportRequest.newBuilder().setSince(Timestamp.newBuilder().setSeconds(Long.MAX_VALUE))
            .build()));
    validator.export(ExportRequest.newBuilder().setFromSeq(5).setToSeq(5).build());
  }

  private static void assertInvalid(String messageStart, Executable call) {
    StatusException e = assertThrows(StatusException.class, call);
    assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
    String description = e.getStatus().getDescription();
    assertEquals(true, description.startsWith(messageStart), description);
    assertNull(e.getStatus().getCause());
  }
}
