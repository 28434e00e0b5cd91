package dev.auditlog.server.forward;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A small {@code _bulk} receiver in the test JVM, for tests that need a destination they can
 * switch off (HTTP 503) without a real search engine: creates each document once by its
 * {@code _id}, answers a repeat with 409 as Elasticsearch does, and counts requests.
 */
final class BulkReceiver implements AutoCloseable {
  private final HttpServer server;
  private final Map<String, JsonObject> documents = new ConcurrentHashMap<>();
  private final AtomicInteger requests = new AtomicInteger();
  private final AtomicInteger repeats = new AtomicInteger();
  private volatile boolean up = true;

  BulkReceiver() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.setExecutor(Executors.newFixedThreadPool(2));
    server.createContext("/_bulk", this::bulk);
    server.start();
  }

  String url() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  /** While down, every request is answered 503 with Retry-After: 1. */
  void setUp(boolean up) {
    this.up = up;
  }

  /** The documents by _id. */
  Map<String, JsonObject> documents() {
    return documents;
  }

  int requests() {
    return requests.get();
  }

  /** How many documents arrived again (answered 409). */
  int repeats() {
    return repeats.get();
  }

  private void bulk(HttpExchange exchange) throws IOException {
    requests.incrementAndGet();
    String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
    if (!up) {
      exchange.getResponseHeaders().add("Retry-After", "1");
      respond(exchange, 503, "{\"error\": \"down for the test\"}");
      return;
    }
    String[] lines = body.split("\n");
    List<String> items = new ArrayList<>();
    int repeated = 0;
    for (int i = 0; i + 1 < lines.length; i += 2) {
      String id = JsonParser.parseString(lines[i]).getAsJsonObject().getAsJsonObject("create")
          .get("_id").getAsString();
      boolean created = documents.putIfAbsent(id,
          JsonParser.parseString(lines[i + 1]).getAsJsonObject()) == null;
      if (!created) {
        repeats.incrementAndGet();
        repeated++;
      }
      items.add("{\"create\": {\"_id\": \"" + id + "\", \"status\": " + (created ? 201 : 409)
          + "}}");
    }
    respond(exchange, 200, "{\"took\": 1, \"errors\": " + (repeated > 0)
        + ", \"items\": [" + String.join(",", items) + "]}");
  }

  private static void respond(HttpExchange exchange, int status, String json)
      throws IOException {
    byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().add("Content-Type", "application/json");
    exchange.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
