package dev.auditlog.server.forward;

import static dev.auditlog.server.forward.FakeSplunkHec.hec;
import static dev.auditlog.server.forward.TestRecords.checkpoint;
import static dev.auditlog.server.forward.TestRecords.entries;
import static dev.auditlog.server.forward.TestRecords.entry;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.gson.JsonStreamParser;
import dev.auditlog.server.forward.RecordingHttpServer.Request;
import dev.auditlog.server.forward.RecordingHttpServer.Response;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The splunk-hec destination against a collector in the test JVM that behaves as Splunk's HEC
 * documentation describes ({@link FakeSplunkHec}): the exact requests (endpoint, headers, the
 * concatenated envelopes), batching, each documented refusal's failure kind, Retry-After, the
 * indexer acknowledgement flow with its timeout, and the settings. Time during ack polling is
 * a counter the injected sleeper moves: nothing here sleeps.
 */
class SplunkHecDestinationTest {
  private static final String CHANNEL = "0b7e5a3c-1d2f-4e6a-9b8c-7d6e5f4a3b2c";
  private static final String OTHER_TOKEN = "d3adbeef-0000-4000-8000-000000000000";

  private FakeSplunkHec hec;
  private final List<Duration> waits = new ArrayList<>();
  private long now;

  @BeforeEach
  void start() throws Exception {
    hec = FakeSplunkHec.http();
  }

  @AfterEach
  void stop() {
    hec.close();
  }

  @Test
  void deliver_postsConcatenatedEnvelopesToTheEventEndpoint_withTheTokenAndTheChannel()
      throws Exception {
    SplunkHecDestination d = destination(
        ",\"host\":\"audit-1\",\"source\":\"audit-server\",\"index\":\"audit\"");
    List<ForwardRecord> records = List.of(entry(1), entry(2), checkpoint(2));

    assertEquals(3, d.deliver(records));

    Request r = only(hec.server.requests());
    assertEquals("POST", r.method());
    assertEquals("/services/collector/event", r.path());
    assertNull(r.query());
    assertEquals("Splunk " + FakeSplunkHec.TOKEN, r.header("Authorization"));
    assertEquals(CHANNEL, r.header("X-Splunk-Request-Channel"));
    assertEquals("application/json", r.header("Content-Type"));
    assertTrue(r.body().startsWith("{\"time\":1700000001.123456,\"host\":\"audit-1\","
        + "\"source\":\"audit-server\",\"sourcetype\":\"audit:entry\",\"index\":\"audit\","
        + "\"event\":{\"type\":\"entry\",\"log_id\":\"default\",\"seq\":1,"
        + "\"recorded_at\":\"2023-11-14T22:13:21.123456Z\","), r.body());
    assertTrue(r.body().contains("}}{\"time\":1700000002.123456,"), "objects back to back");
    List<JsonObject> envelopes = envelopes(r.body());
    assertEquals(3, envelopes.size());
    JsonObject first = envelopes.get(0);
    assertEquals(List.of("time", "host", "source", "sourcetype", "index", "event", "fields"),
        List.copyOf(first.keySet()));
    assertEquals(json(records.get(0).members()), first.get("event"));
    assertEquals(JsonParser.parseString(
        "{\"audit_log_id\":\"default\",\"audit_seq\":\"1\",\"audit_type\":\"entry\"}"),
        first.get("fields"));
    JsonObject cp = envelopes.get(2);
    assertEquals("audit:checkpoint", cp.get("sourcetype").getAsString());
    assertEquals(new BigDecimal("1700000002.654321"), cp.get("time").getAsBigDecimal());
    assertEquals(json(records.get(2).members()), cp.get("event"));
    assertEquals(JsonParser.parseString(
        "{\"audit_log_id\":\"default\",\"audit_seq\":\"2\",\"audit_type\":\"checkpoint\"}"),
        cp.get("fields"));
    assertEquals(3, hec.indexed().size(), "the collector took every envelope as valid");
  }

  @Test
  void envelope_withoutHostSourceOrIndex_leavesThemToTheToken_andUsesTheSourcetypesGiven()
      throws Exception {
    SplunkHecDestination d = destination(
        ",\"sourcetype\":\"audit:json\",\"checkpoint_sourcetype\":\"audit:signed\"");

    d.deliver(List.of(entry(1), checkpoint(1)));

    List<JsonObject> envelopes = envelopes(only(hec.server.requests()).body());
    assertEquals(List.of("time", "sourcetype", "event", "fields"),
        List.copyOf(envelopes.get(0).keySet()));
    assertEquals("audit:json", envelopes.get(0).get("sourcetype").getAsString());
    assertEquals("audit:signed", envelopes.get(1).get("sourcetype").getAsString());
  }

  @Test
  void time_isEpochSecondsWithSixFractionDigits() {
    assertEquals("1700000000.000005",
        SplunkEnvelopes.time(TestRecords.timestamp(1_700_000_000L, 5_000)).toString());
    assertEquals("1700000000.000000",
        SplunkEnvelopes.time(TestRecords.timestamp(1_700_000_000L, 0)).toString());
    assertEquals("1700000000.999999",
        SplunkEnvelopes.time(TestRecords.timestamp(1_700_000_000L, 999_999_000)).toString());
  }

  @Test
  void deliver_sendsTheWholeBatchInOneRequest_inSeqOrder() throws Exception {
    assertEquals(200, destination("").deliver(entries(200)));

    assertEquals(1, hec.server.requests().size());
    assertEquals(seqs(1, 200), hec.indexed().stream()
        .map(e -> e.getAsJsonObject("fields").get("audit_seq").getAsLong()).toList());
  }

  @ParameterizedTest(name = "HTTP {0} {1} is {2}")
  @CsvSource(delimiter = '|', textBlock = """
      400 | {"text":"No data","code":5}                                        | PERMANENT
      400 | {"text":"Invalid data format","code":6,"invalid-event-number":1}   | PERMANENT
      400 | {"text":"Incorrect index","code":7,"invalid-event-number":0}       | PERMANENT
      400 | {"text":"Data channel is missing","code":10}                       | PERMANENT
      400 | {"text":"Invalid data channel","code":11}                          | PERMANENT
      400 | {"text":"Event field is required","code":12}                       | PERMANENT
      400 | {"text":"Error in handling indexed fields","code":15}               | PERMANENT
      401 | {"text":"Token is required","code":2}                              | PERMANENT
      401 | {"text":"Invalid authorization","code":3}                          | PERMANENT
      403 | {"text":"Token disabled","code":1}                                 | PERMANENT
      403 | {"text":"Invalid token","code":4}                                  | PERMANENT
      413 | Content-Length of 2000000 too large (maximum is 1000000)           | TOO_LARGE
      429 | {"text":"Too many requests"}                                       | RETRY
      500 | {"text":"Internal server error","code":8}                          | RETRY
      503 | {"text":"Server is busy","code":9}                                 | RETRY
      503 | {"text":"HEC is unhealthy, queues are full","code":18}             | RETRY
      """)
  void collectorRefusal_isTheFailureKindItsStatusAndCodeMean(int status, String body,
      DeliveryException.Kind kind) throws Exception {
    hec.script(Response.of(status, body));

    DeliveryException e = assertThrows(DeliveryException.class,
        () -> destination("").deliver(entries(3)));

    assertEquals(kind, e.kind());
    assertEquals(0, e.delivered(), "retried from the first record");
    assertTrue(e.getMessage().contains("HTTP " + status) && e.getMessage().contains(body),
        e.getMessage());
  }

  @Test
  void serverBusy_withRetryAfter_isRetriedNoSoonerThanAsked() throws Exception {
    hec.script(hec(503, 9, "Server is busy").withHeader("Retry-After", "7"),
        Response.of(429, "{}").withHeader("Retry-After", "30"));
    SplunkHecDestination d = destination("");

    DeliveryException busy = assertThrows(DeliveryException.class, () -> d.deliver(entries(1)));
    DeliveryException tooMany = assertThrows(DeliveryException.class,
        () -> d.deliver(entries(1)));

    assertEquals(Duration.ofSeconds(7), busy.retryAfter());
    assertEquals(Duration.ofSeconds(30), tooMany.retryAfter());
  }

  @Test
  void wrongToken_isRefusedByTheCollector_andNoMessageHoldsAToken() throws Exception {
    SplunkHecDestination d = destination(url(), "OTHER_TOKEN", ",\"channel\":\"" + CHANNEL + "\"");

    DeliveryException e = assertThrows(DeliveryException.class, () -> d.deliver(entries(1)));

    assertEquals(DeliveryException.Kind.PERMANENT, e.kind());
    assertTrue(e.getMessage().contains("Invalid token"), e.getMessage());
    assertFalse(e.getMessage().contains(OTHER_TOKEN) || d.toString().contains(OTHER_TOKEN));
  }

  @Test
  void anIndexTheTokenMayNotWrite_isRefusedAsIncorrect_andPausesFromTheFirstRecord()
      throws Exception {
    DeliveryException e = assertThrows(DeliveryException.class,
        () -> destination(",\"index\":\"secret\"").deliver(entries(2)));

    assertEquals(DeliveryException.Kind.PERMANENT, e.kind());
    assertEquals(0, e.delivered());
    assertTrue(e.getMessage().contains("Incorrect index"), e.getMessage());
  }

  @Test
  void withAck_theBatchCountsAsDeliveredOnlyOnceThePollSaysTrue() throws Exception {
    hec.withAck(2);
    SplunkHecDestination d = destination(",\"ack\":true");

    assertEquals(2, d.deliver(entries(2)));

    List<Request> polls = hec.server.requests(FakeSplunkHec.ACK);
    assertEquals(3, polls.size(), "false, false, true");
    for (Request poll : polls) {
      assertEquals("POST", poll.method());
      assertEquals("{\"acks\":[0]}", poll.body());
      assertEquals("Splunk " + FakeSplunkHec.TOKEN, poll.header("Authorization"));
      assertEquals(CHANNEL, poll.header("X-Splunk-Request-Channel"));
    }
    assertEquals(List.of(Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofSeconds(2)),
        waits, "polls back off from half a second");
    assertEquals(2, hec.indexed().size());
    d.deliver(entries(1));
    assertEquals("{\"acks\":[1]}", last(hec.server.requests(FakeSplunkHec.ACK)).body());
  }

  @Test
  void withAck_noTrueWithinTheTimeout_isRetried_andTheNextAttemptSendsTheBatchAgain()
      throws Exception {
    hec.withAck(0);
    hec.loseNext();
    SplunkHecDestination d = destination(",\"ack\":true,\"ack_timeout_ms\":20000");

    DeliveryException e = assertThrows(DeliveryException.class, () -> d.deliver(entries(2)));

    assertEquals(DeliveryException.Kind.RETRY, e.kind());
    assertEquals(0, e.delivered());
    assertTrue(e.getMessage().contains("sent again"), e.getMessage());
    assertEquals(Duration.ofSeconds(20), waits.stream().reduce(Duration.ZERO, Duration::plus));
    assertEquals(List.of(Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofSeconds(2),
        Duration.ofSeconds(4), Duration.ofSeconds(8), Duration.ofMillis(4500)), waits);
    assertEquals(2, d.deliver(entries(2)));
    assertEquals(2, hec.server.requests(FakeSplunkHec.EVENT).size());
    assertEquals(2, hec.indexed().size(), "the lost copy never reached the indexes");
  }

  @Test
  void withAck_dataIndexedButNeverAcknowledged_arrivesTwice_recognizableByLogAndSeq()
      throws Exception {
    hec.withAck(0);
    hec.forgetAckOfNext();
    SplunkHecDestination d = destination(",\"ack\":true,\"ack_timeout_ms\":5000");

    assertThrows(DeliveryException.class, () -> d.deliver(entries(3)));
    d.deliver(entries(3));

    assertEquals(6, hec.indexed().size());
    assertEquals(3, hec.indexed().stream().map(e -> e.getAsJsonObject("fields"))
        .map(f -> f.get("audit_log_id").getAsString() + ":" + f.get("audit_seq").getAsString())
        .collect(Collectors.toSet()).size());
  }

  @Test
  void withAck_transientPollFailures_arePolledPastUntilTrue() throws Exception {
    hec.withAck(0);
    hec.scriptAck(hec(503, 9, "Server is busy"), Response.of(502, "bad gateway"));

    assertEquals(1, destination(",\"ack\":true").deliver(entries(1)));

    assertEquals(3, hec.server.requests(FakeSplunkHec.ACK).size());
  }

  @Test
  void withAck_aPollRefusedAsAckDisabled_pausesTheDestination() throws Exception {
    hec.withAck(0);
    hec.scriptAck(hec(400, 14, "ACK is disabled"));

    DeliveryException e = assertThrows(DeliveryException.class,
        () -> destination(",\"ack\":true").deliver(entries(1)));

    assertEquals(DeliveryException.Kind.PERMANENT, e.kind());
    assertTrue(e.getMessage().contains("ACK is disabled"), e.getMessage());
  }

  @Test
  void withAck_aTokenWithoutIndexerAck_answersNoAckId_soTheBatchCountsAndTheDestinationPauses()
      throws Exception {
    DeliveryException e = assertThrows(DeliveryException.class,
        () -> destination(",\"ack\":true").deliver(entries(2)));

    assertEquals(DeliveryException.Kind.PERMANENT, e.kind());
    assertEquals(2, e.delivered(), "HEC took them with a 200");
    assertTrue(e.getMessage().contains("enable indexer acknowledgement"), e.getMessage());
  }

  @Test
  void settings_withTheTokenWrittenIntoTheFile_areRefused_withoutEchoingIt() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> destination(",\"token\":\"abc123secret\""));

    assertTrue(e.getMessage().startsWith("destinations[0].token must be"), e.getMessage());
    assertFalse(e.getMessage().contains("abc123secret"));
  }

  @Test
  void settings_refuseAChannelThatIsNoGuid_andAnIndexSplunkWouldNot_namingTheKey() {
    IllegalArgumentException channel = assertThrows(IllegalArgumentException.class,
        () -> destination(url(), "SPLUNK_TOKEN", ",\"channel\":\"audit-forwarder\""));
    IllegalArgumentException index = assertThrows(IllegalArgumentException.class,
        () -> destination(",\"index\":\"Audit Log\""));

    assertTrue(channel.getMessage().startsWith("destinations[0].channel must be a GUID"),
        channel.getMessage());
    assertTrue(index.getMessage().startsWith("destinations[0].index must be"),
        index.getMessage());
  }

  @Test
  void settings_withoutAChannel_generateAGuidPerDestination() {
    SplunkHecDestination a = destination(url(), "SPLUNK_TOKEN", "");
    SplunkHecDestination b = destination(url(), "SPLUNK_TOKEN", "");

    assertTrue(a.channel().matches("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"),
        a.channel());
    assertNotEquals(a.channel(), b.channel());
  }

  @Test
  void forwardingConfig_knowsTheSplunkType_andChecksItsKeys() {
    String ok = "{\"destinations\":[{\"name\":\"splunk\",\"type\":\"splunk-hec\",\"url\":\""
        + url() + "\",\"token_env\":\"SPLUNK_TOKEN\",\"ack\":true}]}";
    String typo = ok.replace("\"ack\":true", "\"ack\":true,\"ack_timout_ms\":5000");
    String tooShort = ok.replace("\"ack\":true", "\"ack\":true,\"ack_timeout_ms\":10");

    ForwardingConfig config = ForwardingConfig.parse(settings(ok));
    IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class,
        () -> ForwardingConfig.parse(settings(typo)));
    IllegalArgumentException range = assertThrows(IllegalArgumentException.class,
        () -> ForwardingConfig.parse(settings(tooShort)));

    assertEquals("splunk", config.destinations().get(0).name());
    assertTrue(unknown.getMessage().contains("destinations[0].ack_timout_ms"),
        unknown.getMessage());
    assertTrue(range.getMessage().startsWith("destinations[0].ack_timeout_ms must be"),
        range.getMessage());
  }

  private SplunkHecDestination destination(String extra) {
    return destination(url(), "SPLUNK_TOKEN", ",\"channel\":\"" + CHANNEL + "\"" + extra);
  }

  private SplunkHecDestination destination(String url, String tokenEnv, String extra) {
    Settings s = new Settings("destinations[0]", JsonParser.parseString("{\"url\":\"" + url
        + "\",\"token_env\":\"" + tokenEnv + "\"" + extra + "}").getAsJsonObject(),
        environment());
    SplunkHecDestination d = SplunkHecDestination.create("splunk", s, () -> now, this::sleep);
    s.requireNoOtherKeys();
    return d;
  }

  private Settings settings(String json) {
    return new Settings("", JsonParser.parseString(json).getAsJsonObject(), environment());
  }

  private static java.util.function.Function<String, String> environment() {
    return Map.of("SPLUNK_TOKEN", FakeSplunkHec.TOKEN, "OTHER_TOKEN", OTHER_TOKEN)::get;
  }

  private String url() {
    return hec.server.url().toString();
  }

  private boolean sleep(Duration d) {
    waits.add(d);
    now += d.toNanos();
    return true;
  }

  static List<JsonObject> envelopes(String body) {
    List<JsonObject> all = new ArrayList<>();
    new JsonStreamParser(body).forEachRemaining(e -> all.add(e.getAsJsonObject()));
    return all;
  }

  static JsonElement json(Map<String, Object> members) {
    return JsonParser.parseString(new GsonBuilder().serializeNulls().create().toJson(members));
  }

  static List<Long> seqs(long from, long to) {
    List<Long> all = new ArrayList<>();
    for (long s = from; s <= to; s++) {
      all.add(s);
    }
    return all;
  }

  private static <T> T only(List<T> list) {
    assertEquals(1, list.size(), list.toString());
    return list.get(0);
  }

  private static <T> T last(List<T> list) {
    return list.get(list.size() - 1);
  }
}
