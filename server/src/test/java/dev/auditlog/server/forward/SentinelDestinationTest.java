package dev.auditlog.server.forward;

import static dev.auditlog.server.forward.FakeLogsIngestion.CLIENT_ID;
import static dev.auditlog.server.forward.FakeLogsIngestion.DCR;
import static dev.auditlog.server.forward.FakeLogsIngestion.SCOPE;
import static dev.auditlog.server.forward.FakeLogsIngestion.SECRET;
import static dev.auditlog.server.forward.FakeLogsIngestion.STREAM;
import static dev.auditlog.server.forward.FakeLogsIngestion.STREAM_PATH;
import static dev.auditlog.server.forward.FakeLogsIngestion.TENANT;
import static dev.auditlog.server.forward.FakeLogsIngestion.TOKEN_PATH;
import static dev.auditlog.server.forward.FakeLogsIngestion.error;
import static dev.auditlog.server.forward.TestRecords.checkpoint;
import static dev.auditlog.server.forward.TestRecords.entries;
import static dev.auditlog.server.forward.TestRecords.entry;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.Gson;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.auditlog.server.forward.RecordingHttpServer.Request;
import dev.auditlog.server.forward.RecordingHttpServer.Response;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The sentinel destination against Entra ID's token endpoint and the Logs Ingestion API in
 * the test JVM, as Microsoft documents them ({@link FakeLogsIngestion}): the exact token and
 * upload requests, the rows, calls split under 1 MB, each status's failure kind, Retry-After,
 * the token cached until shortly before it expires and fetched again once after a 401, and
 * the settings. Token expiry runs on a counter the test moves: nothing here sleeps.
 */
class SentinelDestinationTest {
  private FakeLogsIngestion azure;
  private long now;

  @BeforeEach
  void start() throws Exception {
    azure = new FakeLogsIngestion(RecordingHttpServer.http());
  }

  @AfterEach
  void stop() {
    azure.close();
  }

  @Test
  void deliver_getsAClientCredentialsToken_thenPostsTheRowsAsAJsonArrayToTheDcrStream()
      throws Exception {
    List<ForwardRecord> records = List.of(entry(1), entry(2), checkpoint(2));

    assertEquals(3, destination().deliver(records));

    List<Request> all = azure.server.requests();
    assertEquals(2, all.size(), all.toString());
    Request token = all.get(0);
    assertEquals("POST", token.method());
    assertEquals(TOKEN_PATH, token.path());
    assertEquals("application/x-www-form-urlencoded", token.header("Content-Type"));
    assertEquals(Map.of("grant_type", "client_credentials", "client_id", CLIENT_ID,
        "client_secret", SECRET, "scope", SCOPE), FakeLogsIngestion.formOf(token));
    assertTrue(token.body().contains("&scope=https%3A%2F%2Fmonitor.azure.com%2F%2F.default"),
        "the documented scope, form-encoded");
    Request upload = all.get(1);
    assertEquals("POST", upload.method());
    assertEquals(STREAM_PATH, upload.path());
    assertEquals("api-version=2023-01-01", upload.query());
    assertEquals("Bearer eyJ0eXAiOiJKV1QifQ.token-1", upload.header("Authorization"));
    assertEquals("application/json", upload.header("Content-Type"));
    JsonArray rows = JsonParser.parseString(upload.body()).getAsJsonArray();
    assertEquals(3, rows.size());
    JsonObject row = rows.get(0).getAsJsonObject();
    assertEquals(List.of("TimeGenerated", "record_type", "log_id", "seq", "recorded_at",
        "event_id", "user_id", "action", "target", "source_ip", "outcome", "occurred_at",
        "risk_signals", "attributes", "producer", "entry_hash", "chain_hash"),
        List.copyOf(row.keySet()));
    assertEquals("2023-11-14T22:13:21.123456Z", row.get("TimeGenerated").getAsString());
    assertEquals(row.get("TimeGenerated"), row.get("recorded_at"));
    assertEquals("entry", row.get("record_type").getAsString());
    assertTrue(row.get("seq").getAsJsonPrimitive().isNumber());
    assertEquals("", row.get("occurred_at").getAsString(), "the hash format's text form");
    assertTrue(row.get("attributes").isJsonObject());
    JsonObject cp = rows.get(2).getAsJsonObject();
    assertEquals(List.of("TimeGenerated", "record_type", "log_id", "seq", "chain_hash",
        "recorded_at", "key_id", "signature"), List.copyOf(cp.keySet()));
    assertEquals("2023-11-14T22:13:22.654321Z", cp.get("TimeGenerated").getAsString());
    assertEquals(3, azure.rows().size(), "the API took every row");
  }

  @Test
  void token_isReusedUntilFiveMinutesBeforeItExpires_thenFetchedAgain() throws Exception {
    SentinelDestination d = destination();
    d.deliver(entries(1));

    now += Duration.ofSeconds(3599).minus(Duration.ofMinutes(5)).toNanos() - 1;
    d.deliver(entries(1));
    assertEquals(1, azure.server.requests(TOKEN_PATH).size());
    now += 1;
    d.deliver(entries(1));

    assertEquals(2, azure.server.requests(TOKEN_PATH).size());
    assertEquals("Bearer eyJ0eXAiOiJKV1QifQ.token-2",
        last(azure.server.requests(STREAM_PATH)).header("Authorization"));
  }

  @Test
  void a401_fetchesAFreshTokenOnce_andSendsTheCallAgain() throws Exception {
    SentinelDestination d = destination();
    d.deliver(entries(1));
    azure.revokeTokens();

    assertEquals(2, d.deliver(entries(2)));

    assertEquals(2, azure.server.requests(TOKEN_PATH).size());
    assertEquals(3, azure.server.requests(STREAM_PATH).size(), "ok, 401, ok");
    assertEquals(3, azure.rows().size());
  }

  @Test
  void a401WithTheFreshTokenToo_pausesTheDestination() throws Exception {
    azure.script(error(401, "InvalidToken", "expired"), error(401, "InvalidToken", "expired"));

    DeliveryException e = assertThrows(DeliveryException.class,
        () -> destination().deliver(entries(1)));

    assertEquals(DeliveryException.Kind.PERMANENT, e.kind());
    assertTrue(e.getMessage().contains("freshly fetched token"), e.getMessage());
    assertEquals(2, azure.server.requests(TOKEN_PATH).size());
  }

  @Test
  void batches_areSplitIntoCallsOfAtMostAMegabyte_inSeqOrder() throws Exception {
    List<ForwardRecord> records = new ArrayList<>();
    for (int seq = 1; seq <= 12; seq++) {
      records.add(entry(seq, attributes("x", 4000))); // about 257 KB of JSON each
    }

    assertEquals(12, destination().deliver(records));

    List<Request> uploads = azure.server.requests(STREAM_PATH);
    assertEquals(4, uploads.size(), "three rows per call");
    for (Request u : uploads) {
      assertTrue(u.body().getBytes(StandardCharsets.UTF_8).length <= 1_000_000);
    }
    assertEquals(SplunkHecDestinationTest.seqs(1, 12),
        azure.rows().stream().map(r -> r.get("seq").getAsLong()).toList());
  }

  @Test
  void aRowAboveTheLimitByItself_isTooLarge_afterTheRowsBeforeItWereDelivered()
      throws Exception {
    List<ForwardRecord> records = List.of(entry(1), entry(2, attributes("\u0001", 4096)),
        entry(3));

    DeliveryException e = assertThrows(DeliveryException.class,
        () -> destination().deliver(records));

    assertEquals(DeliveryException.Kind.TOO_LARGE, e.kind());
    assertEquals(1, e.delivered());
    assertTrue(e.getMessage().contains("the row of seq 2 is"), e.getMessage());
    assertEquals(List.of(1L), azure.rows().stream().map(r -> r.get("seq").getAsLong()).toList());
  }

  @Test
  void aFailureOnALaterCall_countsTheRowsOfTheCallsBefore() throws Exception {
    List<ForwardRecord> records = new ArrayList<>();
    for (int seq = 1; seq <= 6; seq++) {
      records.add(entry(seq, attributes("x", 4000)));
    }
    azure.script(Response.of(204, ""), error(503, "ServiceUnavailable", "try later")
        .withHeader("Retry-After", "4"));

    DeliveryException e = assertThrows(DeliveryException.class,
        () -> destination().deliver(records));

    assertEquals(DeliveryException.Kind.RETRY, e.kind());
    assertEquals(3, e.delivered(), "the first call's rows");
    assertEquals(Duration.ofSeconds(4), e.retryAfter());
  }

  @ParameterizedTest(name = "HTTP {0} {1} is {2}")
  @CsvSource(delimiter = '|', textBlock = """
      400 | InvalidPayload             | PERMANENT
      403 | OperationFailed            | PERMANENT
      404 | NotFound                   | PERMANENT
      413 | ContentLengthLimitExceeded | TOO_LARGE
      429 | TooManyRequests            | RETRY
      500 | InternalServerError        | RETRY
      503 | ServiceUnavailable         | RETRY
      """)
  void ingestionRefusal_isTheFailureKindItsStatusMeans(int status, String code,
      DeliveryException.Kind kind) throws Exception {
    azure.script(error(status, code, "refused"));

    DeliveryException e = assertThrows(DeliveryException.class,
        () -> destination().deliver(entries(2)));

    assertEquals(kind, e.kind());
    assertEquals(0, e.delivered());
    assertTrue(e.getMessage().contains("HTTP " + status) && e.getMessage().contains(code),
        e.getMessage());
  }

  @Test
  void throttled_withRetryAfter_isRetriedNoSoonerThanAsked() throws Exception {
    azure.script(error(429, "TooManyRequests", "slow down").withHeader("Retry-After", "12"));

    DeliveryException e = assertThrows(DeliveryException.class,
        () -> destination().deliver(entries(1)));

    assertEquals(DeliveryException.Kind.RETRY, e.kind());
    assertEquals(Duration.ofSeconds(12), e.retryAfter());
  }

  @Test
  void aWrongSecret_isRefusedByEntraId_andPausesTheDestination_withoutShowingAnySecret()
      throws Exception {
    SentinelDestination d = destination(with("client_secret_env", "WRONG_SECRET"));

    DeliveryException e = assertThrows(DeliveryException.class, () -> d.deliver(entries(1)));

    assertEquals(DeliveryException.Kind.PERMANENT, e.kind());
    assertTrue(e.getMessage().contains("invalid_client"), e.getMessage());
    assertFalse(e.getMessage().contains("wrong-secret") || e.getMessage().contains(SECRET));
    assertFalse(d.toString().contains("wrong-secret"));
  }

  @Test
  void tokenEndpointUnavailable_isRetried_honouringRetryAfter() throws Exception {
    azure.scriptToken(Response.of(503, "{}").withHeader("Retry-After", "5"));

    DeliveryException e = assertThrows(DeliveryException.class,
        () -> destination().deliver(entries(1)));

    assertEquals(DeliveryException.Kind.RETRY, e.kind());
    assertEquals(Duration.ofSeconds(5), e.retryAfter());
    assertTrue(azure.server.requests(STREAM_PATH).isEmpty());
  }

  @Test
  void tokenEndpointUnreachable_isRetried() throws Exception {
    SentinelDestination d = destination(with("token_url",
        "http://127.0.0.1:1/" + TENANT + "/oauth2/v2.0/token"));

    DeliveryException e = assertThrows(DeliveryException.class, () -> d.deliver(entries(1)));

    assertEquals(DeliveryException.Kind.RETRY, e.kind());
  }

  @Test
  void settings_defaultToMicrosoftsTokenUrlForTheTenant_andTheDocumentedStreamUrl() {
    Map<String, Object> without = new TreeMap<>(settingsMap());
    without.remove("token_url");

    SentinelDestination d = destination(without);

    assertEquals("https://login.microsoftonline.com/" + TENANT + "/oauth2/v2.0/token",
        d.tokenUrl().toString());
    assertEquals(azure.server.url() + STREAM_PATH + "?api-version=2023-01-01",
        d.streamUrl().toString());
  }

  @Test
  void settings_refusePlainHttpBeyondLoopback_andADcrNameForItsImmutableId() {
    assertRefused("endpoint", "http://dce.example.com", "destinations[0].endpoint must be an"
        + " https URL");
    assertRefused("token_url", "http://login.example.com/t/oauth2/v2.0/token",
        "destinations[0].token_url must be an https URL");
    assertRefused("dcr_id", "audit-rule", "destinations[0].dcr_id must be the DCR's immutable"
        + " id");
    assertRefused("client_id", "audit-app", "destinations[0].client_id must be");
    assertRefused("client_secret", "Xy7~q.secret-value_9", "destinations[0].client_secret must"
        + " be not allowed");
  }

  @Test
  void forwardingConfig_knowsTheSentinelType() {
    JsonObject destination = JsonParser.parseString(new Gson().toJson(
        settingsMap())).getAsJsonObject();
    destination.addProperty("name", "sentinel");
    destination.addProperty("type", "sentinel");
    JsonObject top = new JsonObject();
    JsonArray all = new JsonArray();
    all.add(destination);
    top.add("destinations", all);

    ForwardingConfig config = ForwardingConfig.parse(new Settings("", top, environment()));

    assertEquals("sentinel", config.destinations().get(0).name());
  }

  private void assertRefused(String key, String value, String start) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> destination(with(key, value)));
    assertTrue(e.getMessage().startsWith(start), e.getMessage());
    assertFalse(e.getMessage().contains(SECRET), e.getMessage());
  }

  private Map<String, Object> settingsMap() {
    String url = azure.server.url().toString();
    return Map.of("endpoint", url, "dcr_id", DCR, "stream", STREAM, "tenant_id", TENANT,
        "client_id", CLIENT_ID, "client_secret_env", "AZURE_SECRET", "token_url",
        url + TOKEN_PATH);
  }

  /** The settings {@link #settingsMap()} with {@code key} set to {@code value}. */
  private Map<String, Object> with(String key, Object value) {
    Map<String, Object> map = new TreeMap<>(settingsMap());
    map.put(key, value);
    return map;
  }

  private SentinelDestination destination() {
    return destination(settingsMap());
  }

  private SentinelDestination destination(Map<String, Object> map) {
    Settings s = new Settings("destinations[0]", JsonParser.parseString(
        new Gson().toJson(map)).getAsJsonObject(), environment());
    SentinelDestination d = SentinelDestination.create("sentinel", s, () -> now);
    s.requireNoOtherKeys();
    return d;
  }

  private static Function<String, String> environment() {
    return Map.of("AZURE_SECRET", SECRET, "WRONG_SECRET", "wrong-secret")::get;
  }

  /** 64 attributes of {@code length} times {@code text}. */
  static Map<String, String> attributes(String text, int length) {
    Map<String, String> attributes = new TreeMap<>();
    for (int i = 0; i < 64; i++) {
      attributes.put(String.format("k%02d", i), text.repeat(length));
    }
    return attributes;
  }

  private static <T> T last(List<T> list) {
    return list.get(list.size() - 1);
  }
}
