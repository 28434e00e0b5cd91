package dev.auditlog.server.forward;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.auditlog.api.v1.AppendBatchRequest;
import dev.auditlog.api.v1.ForwarderStatus;
import dev.auditlog.api.v1.GetCheckpointRequest;
import dev.auditlog.api.v1.ListForwardersRequest;
import dev.auditlog.server.Await;
import dev.auditlog.server.AuditServerExtension;
import dev.auditlog.server.Events;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Forwarding to a real OpenSearch 2.19 node in the test JVM, through the real server: ten
 * thousand appends and checkpoints while the node is stopped for a while and started again,
 * with a write thread pool of one thread and a queue of one, so that bulk items are refused
 * with 429: at the end every seq is in the index exactly once, and every checkpoint.
 */
@Timeout(value = 6, unit = TimeUnit.MINUTES)
class ElasticForwardingIT {
  private static final int EVENTS = 10_000;

  @RegisterExtension
  final AuditServerExtension server = AuditServerExtension.mutualTls().notStarted();

  @TempDir Path tmp;
  private OpenSearchNode opensearch;
  private int httpPort;
  private final HttpClient http = HttpClient.newHttpClient();

  @BeforeEach
  void startOpenSearch() throws Exception {
    opensearch = OpenSearchNode.start(tmp.resolve("opensearch"), 0,
        Map.of("thread_pool.write.size", 1, "thread_pool.write.queue_size", 1));
    httpPort = opensearch.httpPort();
    // Five shards: each bulk request becomes five shard-level writes at once, and a write
    // pool of one thread with a queue of one refuses some of them, item by item (429).
    send(HttpRequest.newBuilder(uri("/audit")).header("Content-Type", "application/json")
        .PUT(HttpRequest.BodyPublishers.ofString(
            "{\"settings\": {\"number_of_shards\": 5, \"number_of_replicas\": 0}}"))
        .build());
  }

  @AfterEach
  void stopOpenSearch() throws IOException {
    if (opensearch != null) {
      opensearch.close();
    }
  }

  @Test
  void tenThousandAppends_throughAStoppedNodeAnd429s_areEachInTheIndexOnce() throws Exception {
    Path config = Files.writeString(tmp.resolve("forwarding.json"), """
        {"poll_interval_ms": 50,
         "destinations": [{"name": "opensearch", "type": "elastic",
                           "url": "http://127.0.0.1:%d", "index": "audit", "batch_size": 500}]}
        """.formatted(httpPort));
    server.start(b -> b.forwardingConfig(config).checkpointInterval(Duration.ofSeconds(1)));
    var backend = server.stub("auth-backend");

    append(backend, 3000);
    Await.until("the first 3000 are forwarded", Duration.ofMinutes(2), () -> cursor() >= 3000);
    long rejected = writeRejections();
    assertTrue(rejected > 0, "the node refused bulk items (429): " + rejected);
    opensearch.stopNode(); // the receiver goes away while appends go on
    append(backend, 4000);
    Await.until("the failures are recorded", Duration.ofSeconds(60),
        () -> !status().getLastError().isEmpty());
    opensearch.restartNode();
    append(backend, EVENTS - 7000);
    server.stub("auditor").getCheckpoint(GetCheckpointRequest.newBuilder().setFresh(true).build());

    Await.until("every entry is forwarded", Duration.ofMinutes(3), () -> cursor() == EVENTS
        && status().getLagEntries() == 0);
    Await.until("every checkpoint is forwarded", Duration.ofSeconds(30),
        () -> count("type:checkpoint") == storedCheckpoints());
    assertEquals(EVENTS, count("type:entry"));
    assertEquals(EVENTS, distinctSeqs());
    ForwarderStatus s = status();
    assertTrue(s.getPaused().isEmpty(), s.toString());
    System.out.printf("forwarded %d entries and %d checkpoints; %d write rejections (429) in"
        + " the first phase; last error seen: %s%n", EVENTS, storedCheckpoints(), rejected,
        s.getLastError());
  }

  private static void append(dev.auditlog.api.v1.AuditLogGrpc.AuditLogBlockingStub backend,
      int n) {
    for (int done = 0; done < n; done += 100) {
      AppendBatchRequest.Builder b = AppendBatchRequest.newBuilder();
      for (int i = 0; i < Math.min(100, n - done); i++) {
        b.addEvents(Events.registrationFailure());
      }
      backend.appendBatch(b.build());
    }
  }

  private ForwarderStatus status() {
    return server.stub("auditor").listForwarders(ListForwardersRequest.getDefaultInstance())
        .getForwarders(0);
  }

  private long cursor() {
    return status().getCursorSeq();
  }

  private long storedCheckpoints() throws Exception {
    try (Connection c = server.db().superuser(); Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT count(*) FROM audit.checkpoint")) {
      rs.next();
      return rs.getLong(1);
    }
  }

  private long count(String query) throws Exception {
    post("/audit/_refresh", "");
    JsonObject r = get("/audit/_count?q=" + query);
    return r.get("count").getAsLong();
  }

  /** The number of distinct seqs among the entries (a cardinality aggregation, exact here). */
  private long distinctSeqs() throws Exception {
    JsonObject r = post("/audit/_search", """
        {"size": 0, "query": {"term": {"type.keyword": "entry"}},
         "aggs": {"seqs": {"cardinality": {"field": "seq", "precision_threshold": 40000}}}}
        """);
    return r.getAsJsonObject("aggregations").getAsJsonObject("seqs").get("value").getAsLong();
  }

  /** How many write tasks the node refused because its queue was full (per-item 429s). */
  private long writeRejections() throws Exception {
    JsonObject nodes = get("/_nodes/stats/thread_pool").getAsJsonObject("nodes");
    long rejected = 0;
    for (String id : nodes.keySet()) {
      rejected += nodes.getAsJsonObject(id).getAsJsonObject("thread_pool")
          .getAsJsonObject("write").get("rejected").getAsLong();
    }
    return rejected;
  }

  private JsonObject get(String path) throws Exception {
    return send(HttpRequest.newBuilder(uri(path)).GET().build());
  }

  private JsonObject post(String path, String json) throws Exception {
    return send(HttpRequest.newBuilder(uri(path)).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(json)).build());
  }

  private JsonObject send(HttpRequest request) throws Exception {
    HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString());
    assertTrue(r.statusCode() < 300, r.statusCode() + " " + r.body());
    return JsonParser.parseString(r.body()).getAsJsonObject();
  }

  private URI uri(String path) {
    return URI.create("http://127.0.0.1:" + httpPort + path);
  }
}
