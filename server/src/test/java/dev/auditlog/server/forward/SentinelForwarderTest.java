package dev.auditlog.server.forward;

import static dev.auditlog.server.forward.FakeLogsIngestion.CLIENT_ID;
import static dev.auditlog.server.forward.FakeLogsIngestion.DCR;
import static dev.auditlog.server.forward.FakeLogsIngestion.STREAM;
import static dev.auditlog.server.forward.FakeLogsIngestion.STREAM_PATH;
import static dev.auditlog.server.forward.FakeLogsIngestion.TENANT;
import static dev.auditlog.server.forward.FakeLogsIngestion.TOKEN_PATH;
import static dev.auditlog.server.forward.FakeLogsIngestion.error;
import static dev.auditlog.server.forward.TestRecords.LOG;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.Gson;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.auditlog.server.TestCerts;
import dev.auditlog.server.store.ForwardCursor;
import dev.auditlog.server.store.StoreException;
import dev.auditlog.server.store.memory.MemoryAuditStore;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A {@link Forwarder} over the in-memory store delivering to the sentinel destination and the
 * Logs Ingestion API in the test JVM ({@link FakeLogsIngestion}) over HTTPS, trusting the
 * development CA through {@code tls.ca_file}: through throttling with Retry-After, a token
 * the API stops accepting, and a call refused as too large, every seq and the checkpoint end
 * up stored, in calls under 1 MB. The forwarder's waits are recorded, never slept.
 */
class SentinelForwarderTest {
  private final MemoryAuditStore store = new MemoryAuditStore();
  private final List<Duration> forwarderWaits = new ArrayList<>();
  private FakeLogsIngestion azure;

  @BeforeEach
  void start() throws Exception {
    azure = new FakeLogsIngestion(RecordingHttpServer.https(TestCerts.pem("server"),
        TestCerts.key("server")));
  }

  @AfterEach
  void stop() {
    azure.close();
  }

  @Test
  void forwarder_storesEverySeqAndTheCheckpoint_throughThrottlingAnExpiredTokenAndA413()
      throws Exception {
    TestRecords.append(store, 10, SentinelDestinationTest.attributes("x", 4000));
    TestRecords.checkpoint(store);
    TestRecords.append(store, 5, Map.of());
    azure.script(error(429, "TooManyRequests", "slow down").withHeader("Retry-After", "6"),
        error(401, "InvalidToken", "expired"),
        error(413, "ContentLengthLimitExceeded", "too large"));
    Forwarder f = new Forwarder(store.forwarding(), LOG, destination(), 100,
        c -> c.getKeyId().equals(TestRecords.TRUSTED_KEY), Forwarder.Timing.DEFAULT, w -> {
          forwarderWaits.add(w);
          return true;
        });

    while (f.step()) {
      // until nothing is left
    }

    assertEquals(15, cursor().seq());
    List<JsonObject> rows = azure.rows();
    assertEquals(new TreeSet<>(SplunkHecDestinationTest.seqs(1, 15)), new TreeSet<>(rows.stream()
        .filter(r -> r.get("record_type").getAsString().equals("entry"))
        .map(r -> r.get("seq").getAsLong()).toList()));
    assertTrue(rows.stream().anyMatch(r -> r.get("record_type").getAsString()
        .equals("checkpoint") && r.get("seq").getAsLong() == 10));
    assertTrue(forwarderWaits.get(0).compareTo(Duration.ofSeconds(6)) >= 0,
        "Retry-After honoured: " + forwarderWaits);
    assertEquals(2, azure.server.requests(TOKEN_PATH).size(), "fetched again after the 401");
    assertTrue(azure.server.requests(STREAM_PATH).stream()
        .allMatch(r -> r.body().getBytes(StandardCharsets.UTF_8).length <= 1_000_000));
  }

  private SentinelDestination destination() {
    String url = azure.server.url().toString();
    assertTrue(url.startsWith("https://"));
    Map<String, Object> settings = Map.of("endpoint", url, "dcr_id", DCR, "stream", STREAM,
        "tenant_id", TENANT, "client_id", CLIENT_ID, "client_secret_env", "AZURE_SECRET",
        "token_url", url + TOKEN_PATH,
        "tls", Map.of("ca_file", TestCerts.pem("ca").toString()));
    return SentinelDestination.create("sentinel", new Settings("destinations[0]",
        JsonParser.parseString(new Gson().toJson(settings)).getAsJsonObject(),
        Map.of("AZURE_SECRET", FakeLogsIngestion.SECRET)::get), () -> 0L);
  }

  private ForwardCursor cursor() throws StoreException {
    return store.forwarding().cursor("sentinel", LOG);
  }
}
