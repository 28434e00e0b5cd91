package dev.auditlog.server.forward;

import static dev.auditlog.server.forward.FakeSplunkHec.hec;
import static dev.auditlog.server.forward.TestRecords.LOG;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.auditlog.server.store.ForwardCursor;
import dev.auditlog.server.store.StoreException;
import dev.auditlog.server.store.memory.MemoryAuditStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A {@link Forwarder} over the in-memory store delivering to the splunk-hec destination and a
 * collector in the test JVM ({@link FakeSplunkHec}), through what HEC answers in practice:
 * server busy with Retry-After, batches too large, an acknowledgement that never comes. Every
 * seq ends up indexed; repeats are told apart by log and seq. Nothing sleeps: the forwarder's
 * waits are recorded, and the destination's move the counter it reads as its clock.
 */
class SplunkHecForwarderTest {
  private static final String CHANNEL = "6f1c2b3a-4d5e-4f60-8a9b-0c1d2e3f4a5b";

  private final MemoryAuditStore store = new MemoryAuditStore();
  private final List<Duration> forwarderWaits = new ArrayList<>();
  private long now;
  private FakeSplunkHec hec;

  @BeforeEach
  void start() throws Exception {
    hec = FakeSplunkHec.http();
  }

  @AfterEach
  void stop() {
    hec.close();
  }

  @Test
  void forwarder_deliversEverySeqAndTheCheckpoint_throughBusyTooLargeAndUnacknowledgedBatches()
      throws Exception {
    TestRecords.append(store, 20, Map.of("reason", "quarterly review"));
    TestRecords.checkpoint(store);
    TestRecords.append(store, 5, Map.of());
    hec.withAck(1).maxEvents(8);
    hec.script(hec(503, 9, "Server is busy").withHeader("Retry-After", "3"));
    hec.forgetAckOfNext();
    Forwarder f = forwarder(destination(",\"ack\":true,\"ack_timeout_ms\":5000"));

    while (f.step()) {
      // until nothing is left
    }

    assertEquals(25, cursor().seq());
    List<JsonObject> fields = hec.indexed().stream().map(e -> e.getAsJsonObject("fields"))
        .toList();
    assertEquals(new TreeSet<>(SplunkHecDestinationTest.seqs(1, 25)), new TreeSet<>(fields
        .stream().filter(x -> x.get("audit_type").getAsString().equals("entry"))
        .map(x -> x.get("audit_seq").getAsLong()).toList()), "every seq, once or more");
    assertTrue(fields.stream().anyMatch(x -> x.get("audit_type").getAsString()
        .equals("checkpoint") && x.get("audit_seq").getAsString().equals("20")));
    assertEquals(26 + 6, fields.size(), "the unacknowledged batch of 6 was indexed twice");
    assertEquals(List.of(26, 26, 13, 6, 6, 6, 6, 6, 2), hec.server.requests(FakeSplunkHec.EVENT)
        .stream().map(r -> SplunkHecDestinationTest.envelopes(r.body()).size()).toList(),
        "busy, too large twice, halved to 6, the unacknowledged 6 again, then the rest");
    assertTrue(forwarderWaits.get(0).compareTo(Duration.ofSeconds(3)) >= 0,
        "Retry-After honoured: " + forwarderWaits);
  }

  @Test
  void forwarder_withATokenHecCallsInvalid_pausesTheDestinationWithHecsAnswer()
      throws Exception {
    TestRecords.append(store, 3, Map.of());
    Settings s = settings(",\"channel\":\"" + CHANNEL + "\"", "WRONG_TOKEN");
    Forwarder f = forwarder(SplunkHecDestination.create("splunk", s, () -> now, this::sleep));

    f.step();

    assertTrue(cursor().paused().contains("{\"text\":\"Invalid token\",\"code\":4}"),
        cursor().paused());
    assertEquals(0, cursor().seq());
  }

  private Forwarder forwarder(Destination d) {
    return new Forwarder(store.forwarding(), LOG, d, 100,
        c -> c.getKeyId().equals(TestRecords.TRUSTED_KEY), Forwarder.Timing.DEFAULT, w -> {
          forwarderWaits.add(w);
          return true;
        });
  }

  private SplunkHecDestination destination(String extra) {
    return SplunkHecDestination.create("splunk",
        settings(",\"channel\":\"" + CHANNEL + "\"" + extra, "SPLUNK_TOKEN"), () -> now,
        this::sleep);
  }

  private Settings settings(String extra, String tokenEnv) {
    return new Settings("destinations[0]", JsonParser.parseString("{\"url\":\""
        + hec.server.url() + "\",\"token_env\":\"" + tokenEnv + "\"" + extra + "}")
        .getAsJsonObject(), Map.of("SPLUNK_TOKEN", FakeSplunkHec.TOKEN,
        "WRONG_TOKEN", "11111111-2222-4333-8444-555555555555")::get);
  }

  private ForwardCursor cursor() throws StoreException {
    return store.forwarding().cursor("splunk", LOG);
  }

  /** The destination's waits for acknowledgement: they move its clock. */
  private boolean sleep(Duration d) {
    now += d.toNanos();
    return true;
  }
}
