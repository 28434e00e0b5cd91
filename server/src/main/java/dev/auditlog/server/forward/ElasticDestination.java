package dev.auditlog.server.forward;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Elasticsearch or OpenSearch through the {@code _bulk} API: one NDJSON {@code create}
 * action per record, into an index or a data stream, with {@code _id} {@code <log>:<seq>}
 * for an entry and {@code <log>:checkpoint:<seq>:<recorded_at>} for a checkpoint, so a
 * record delivered twice is refused as a repeat (409 per item), which counts as delivered.
 *
 * <p>Every item's status is checked, also under an HTTP 200 with {@code errors: true}: an
 * item refused with 429 (the receiver's write queue is full) or 5xx is backpressure, and the
 * refused items alone are sent again within the delivery a few times with a growing pause;
 * what is still refused then is left to the forwarder's backoff, and the records delivered
 * are the prefix of items created or already there. A 4xx item (a mapping refusal) pauses
 * the destination. At the HTTP level 413 splits the
 * batch, 401/403 and other 4xx pause it, 429, 5xx and network errors are retried.
 *
 * <p>Documents carry the record's members (see {@link ForwardRecord#members()}), an
 * {@code @timestamp} (the entry's {@code recorded_at}, which data streams need), and JSON
 * null for a timestamp field that is empty.
 *
 * <p>Settings: {@code url} (required), {@code index} (default {@code audit}; a data
 * stream's name works too), {@code username} with {@code password_env}/{@code
 * password_file} for basic authentication, or {@code api_key_env}/{@code api_key_file},
 * {@code timeout_ms} (default 30000), and {@code tls} ({@link ReceiverTls}).
 */
final class ElasticDestination implements Destination {
  private static final Gson GSON = new GsonBuilder().disableHtmlEscaping().serializeNulls()
      .create();
  /**
   * How often items refused with backpressure (429) are sent again within one delivery,
   * after 100 ms doubling to 1.6 s, as Elastic's own bulk processors do, before the
   * forwarder's backoff takes over.
   */
  private static final int ITEM_RETRIES = 6;

  private final String name;
  private final URI bulk;
  private final String index;
  private final String authorization;
  private final Duration timeout;
  private final HttpClient http;

  private ElasticDestination(String name, URI bulk, String index, String authorization,
      Duration timeout, HttpClient http) {
    this.name = name;
    this.bulk = bulk;
    this.index = index;
    this.authorization = authorization;
    this.timeout = timeout;
    this.http = http;
  }

  static ElasticDestination create(String name, Settings s) {
    URI url = HttpDestinations.baseUrl(s, "url");
    String index = s.string("index", "audit");
    if (!index.matches("[a-z0-9][a-z0-9._-]{0,254}")) {
      throw s.invalid("index", "a lowercase index or data stream name, got '" + index + "'");
    }
    Optional<String> user = s.optionalString("username");
    Optional<String> password = s.optionalSecret("password");
    Optional<String> apiKey = s.optionalSecret("api_key");
    if (user.isPresent() != password.isPresent()) {
      throw s.invalid(user.isPresent() ? "password_env" : "username",
          "given together with " + s.where(user.isPresent() ? "username" : "password_env"));
    }
    if (user.isPresent() && apiKey.isPresent()) {
      throw s.invalid("api_key_env", "not together with username and password");
    }
    String authorization = user.map(u -> "Basic " + Base64.getEncoder().encodeToString(
            (u + ":" + password.get()).getBytes(StandardCharsets.UTF_8)))
        .orElse(apiKey.map(k -> "ApiKey " + k).orElse(null));
    Duration timeout = s.millis("timeout_ms", Duration.ofSeconds(30), Duration.ofSeconds(1),
        Duration.ofMinutes(10));
    return new ElasticDestination(name, url.resolve("_bulk"), index, authorization, timeout,
        HttpDestinations.client(s, timeout));
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public int deliver(List<ForwardRecord> records) throws DeliveryException {
    boolean[] delivered = new boolean[records.size()];
    List<Integer> pending = new ArrayList<>();
    for (int i = 0; i < records.size(); i++) {
      pending.add(i);
    }
    DeliveryException backpressure = null;
    for (int attempt = 0; attempt < ITEM_RETRIES && !pending.isEmpty(); attempt++) {
      if (attempt > 0 && !pause(Duration.ofMillis(50L << Math.min(attempt, 5)))) {
        break;
      }
      List<Integer> sent = pending;
      List<ForwardRecord> batch = sent.stream().map(records::get).toList();
      HttpResponse<String> response = send(batch);
      HttpDestinations.requireSuccess(response, name);
      List<Integer> refused = new ArrayList<>();
      backpressure = refusals(response.body(), batch, k -> refused.add(sent.get(k)),
          prefix(delivered));
      for (int index : sent) {
        delivered[index] = !refused.contains(index);
      }
      pending = refused;
    }
    if (pending.isEmpty()) {
      return records.size();
    }
    throw new DeliveryException(DeliveryException.Kind.RETRY, backpressure.getMessage(), null,
        prefix(delivered), null);
  }

  private HttpResponse<String> send(List<ForwardRecord> records) throws DeliveryException {
    HttpRequest.Builder request = HttpRequest.newBuilder(bulk).timeout(timeout)
        .header("Content-Type", "application/x-ndjson")
        .POST(HttpRequest.BodyPublishers.ofString(body(records), StandardCharsets.UTF_8));
    if (authorization != null) {
      request.header("Authorization", authorization);
    }
    return HttpDestinations.send(http, request.build(), name);
  }

  /** How many records, from the first, are delivered. */
  private static int prefix(boolean[] delivered) {
    int n = 0;
    while (n < delivered.length && delivered[n]) {
      n++;
    }
    return n;
  }

  private static boolean pause(Duration d) {
    try {
      Thread.sleep(d.toMillis());
      return true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /** The bulk request: an action line and a document line per record. */
  String body(List<ForwardRecord> records) {
    StringBuilder body = new StringBuilder(records.size() * 600);
    for (ForwardRecord r : records) {
      Map<String, Object> action = Map.of("create", Map.of("_index", index, "_id", id(r)));
      body.append(GSON.toJson(action)).append('\n').append(GSON.toJson(document(r)))
          .append('\n');
    }
    return body.toString();
  }

  static String id(ForwardRecord r) {
    return r instanceof ForwardRecord.CheckpointRecord c
        ? r.logId() + ":checkpoint:" + r.seq() + ":" + c.members().get("recorded_at")
        : r.logId() + ":" + r.seq();
  }

  private static Map<String, Object> document(ForwardRecord r) {
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("@timestamp", r.members().get("recorded_at"));
    r.members().forEach((k, v) -> doc.put(k, "".equals(v) && k.endsWith("_at") ? null : v));
    return doc;
  }

  /**
   * Checks every item of a {@code _bulk} answer: created (201) or there already (409) is
   * delivered; 429 and 5xx are backpressure, reported to {@code refused} by their position in
   * {@code sent}; anything else refuses the batch for good. Returns a failure describing the
   * first backpressure, or null when there was none.
   *
   * @param deliveredBefore how many records, from the first, are delivered already
   */
  private DeliveryException refusals(String body, List<ForwardRecord> sent,
      java.util.function.IntConsumer refused, int deliveredBefore) throws DeliveryException {
    JsonObject result;
    try {
      result = JsonParser.parseString(body).getAsJsonObject();
    } catch (JsonParseException | IllegalStateException e) {
      throw new DeliveryException(DeliveryException.Kind.RETRY,
          name + ": _bulk answered something that is not its JSON", null, deliveredBefore, e);
    }
    if (!result.has("errors") || !result.get("errors").getAsBoolean()) {
      return null;
    }
    DeliveryException first = null;
    var items = result.getAsJsonArray("items");
    for (int i = 0; i < items.size(); i++) {
      JsonObject item = items.get(i).getAsJsonObject().getAsJsonObject("create");
      int status = item.get("status").getAsInt();
      if (status == 200 || status == 201 || status == 409) {
        continue;
      }
      String why = name + ": _bulk item " + (i + 1) + " of " + sent.size() + " (seq "
          + sent.get(i).seq() + ") refused with " + status + ": " + reason(item.get("error"));
      if (status != 429 && status < 500) {
        throw new DeliveryException(DeliveryException.Kind.PERMANENT, why, null,
            deliveredBefore, null);
      }
      refused.accept(i);
      if (first == null) {
        first = new DeliveryException(DeliveryException.Kind.RETRY, why, null, 0, null);
      }
    }
    return first;
  }

  private static String reason(JsonElement error) {
    if (error == null || !error.isJsonObject()) {
      return String.valueOf(error);
    }
    JsonObject e = error.getAsJsonObject();
    return (e.has("type") ? e.get("type").getAsString() : "error")
        + (e.has("reason") ? " (" + e.get("reason").getAsString() + ")" : "");
  }

  @Override
  public void close() {
    // The JDK client closes its connections when it is collected (Java 17 has no close()).
  }
}
