package dev.auditlog.server.forward;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.JsonStreamParser;
import dev.auditlog.server.forward.RecordingHttpServer.Request;
import dev.auditlog.server.forward.RecordingHttpServer.Response;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A Splunk HTTP Event Collector as Splunk's documentation describes it, for contract tests:
 * {@code /services/collector/event} checks {@code Authorization: Splunk <token>} (401 code 2
 * when absent, 401 code 3 when not of that form, 403 code 4 for another token), the channel
 * when indexer acknowledgement is on (400 code 10 missing, 11 not a GUID), and the body as
 * concatenated JSON event objects (400 code 6 with {@code invalid-event-number} when one is not
 * an object or has a {@code time} that is not a number, 7 for an index the token may not
 * write, 12/13 without or with a blank {@code event}, 15 for {@code fields} that are not flat
 * strings); it answers {@code {"text":"Success","code":0}}, with {@code "ackId":N} (counting
 * from 0 per channel) when acknowledgement is on. {@code /services/collector/ack} answers
 * {@code {"acks":{"N":true|false}}}; an ack turns true after {@link #pollsUntilIndexed}
 * polls and is forgotten once it was answered true (a later poll says false), as documented.
 *
 * <p>Scripted answers ({@link #script}, {@link #scriptAck}) come before the behaviour above;
 * {@link #maxEvents} makes larger batches a 413; {@link #loseNext} and {@link
 * #forgetAckOfNext} model a request whose data never reaches the indexes, and one whose data
 * is indexed but never acknowledged. Synchronized: the server thread and the test share it.
 */
final class FakeSplunkHec implements AutoCloseable {
  static final String TOKEN = "f0c1e2d3-b4a5-4697-8879-6a5b4c3d2e1f";
  static final String EVENT = "/services/collector/event";
  static final String ACK = "/services/collector/ack";
  private static final String GUID =
      "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}";

  final RecordingHttpServer server;
  private final Deque<Response> script = new ArrayDeque<>();
  private final Deque<Response> ackScript = new ArrayDeque<>();
  private final List<JsonObject> indexed = new ArrayList<>();
  private final Map<String, Long> nextAckId = new HashMap<>();
  private final Map<String, Pending> pending = new HashMap<>();
  private boolean ack;
  private int pollsUntilIndexed;
  private int maxEvents = Integer.MAX_VALUE;
  private final Set<String> allowedIndexes = Set.of("main", "audit");
  private boolean loseNext;
  private boolean forgetAckOfNext;

  /** A request's events waiting for the indexers, and how many polls until they are in. */
  private static final class Pending {
    final List<JsonObject> events;
    int pollsLeft;
    final boolean lost;

    Pending(List<JsonObject> events, int pollsLeft, boolean lost) {
      this.events = events;
      this.pollsLeft = pollsLeft;
      this.lost = lost;
    }
  }

  FakeSplunkHec(RecordingHttpServer server) {
    this.server = server;
    server.handle(EVENT, this::event);
    server.handle(ACK, this::ack);
  }

  static FakeSplunkHec http() throws IOException {
    return new FakeSplunkHec(RecordingHttpServer.http());
  }

  /** Turns the token's indexer acknowledgement on, true after {@code polls} polls. */
  synchronized FakeSplunkHec withAck(int polls) {
    this.ack = true;
    this.pollsUntilIndexed = polls;
    return this;
  }

  /** Refuses batches of more than {@code n} events with 413. */
  synchronized FakeSplunkHec maxEvents(int n) {
    this.maxEvents = n;
    return this;
  }

  /** The next event requests are answered with these, in order. */
  synchronized void script(Response... responses) {
    script.addAll(List.of(responses));
  }

  /** The next ack polls are answered with these, in order. */
  synchronized void scriptAck(Response... responses) {
    ackScript.addAll(List.of(responses));
  }

  /** The next accepted request's events never reach the indexes (its ack stays false). */
  synchronized void loseNext() {
    loseNext = true;
  }

  /** The next accepted request's events are indexed, but its ack never turns true. */
  synchronized void forgetAckOfNext() {
    forgetAckOfNext = true;
  }

  /** The events in the indexes, in the order they got there. */
  synchronized List<JsonObject> indexed() {
    return List.copyOf(indexed);
  }

  private synchronized Response event(Request r) {
    if (!script.isEmpty()) {
      return script.poll();
    }
    Response refused = authorize(r);
    if (refused != null) {
      return refused;
    }
    String channel = r.header("X-Splunk-Request-Channel");
    if (ack && channel == null) {
      return hec(400, 10, "Data channel is missing");
    }
    if (channel != null && !channel.matches(GUID)) {
      return hec(400, 11, "Invalid data channel");
    }
    List<JsonObject> events = new ArrayList<>();
    Response invalid = parse(r.body(), events);
    if (invalid != null) {
      return invalid;
    }
    if (events.size() > maxEvents) {
      return Response.of(413, "Content-Length of " + r.body().length() + " too large");
    }
    return accept(channel, events);
  }

  private Response accept(String channel, List<JsonObject> events) {
    if (!ack) {
      indexed.addAll(events);
      return Response.of(200, "{\"text\":\"Success\",\"code\":0}");
    }
    long id = nextAckId.merge(channel, 1L, Long::sum) - 1;
    if (forgetAckOfNext) {
      indexed.addAll(events);
    }
    pending.put(channel + "/" + id, new Pending(forgetAckOfNext ? List.of() : events,
        pollsUntilIndexed, loseNext || forgetAckOfNext));
    loseNext = false;
    forgetAckOfNext = false;
    return Response.of(200, "{\"text\":\"Success\",\"code\":0,\"ackId\":" + id + "}");
  }

  /** Null if every event is as documented; else the documented refusal. */
  private Response parse(String body, List<JsonObject> events) {
    if (body.isBlank()) {
      return hec(400, 5, "No data");
    }
    JsonStreamParser parser = new JsonStreamParser(body);
    try {
      while (parser.hasNext()) {
        JsonElement e = parser.next();
        int n = events.size();
        if (!e.isJsonObject() || (e.getAsJsonObject().has("time")
            && !e.getAsJsonObject().getAsJsonPrimitive("time").isNumber())) {
          return invalidEvent(6, "Invalid data format", n);
        }
        Response refused = check(e.getAsJsonObject(), n);
        if (refused != null) {
          return refused;
        }
        events.add(e.getAsJsonObject());
      }
    } catch (JsonParseException | ClassCastException e) {
      return invalidEvent(6, "Invalid data format", events.size());
    }
    return null;
  }

  private Response check(JsonObject event, int n) {
    if (!event.has("event")) {
      return invalidEvent(12, "Event field is required", n);
    }
    JsonElement body = event.get("event");
    if (body.isJsonNull() || (body.isJsonPrimitive() && body.getAsString().isBlank())) {
      return invalidEvent(13, "Event field cannot be blank", n);
    }
    if (event.has("index") && !allowedIndexes.contains(event.get("index").getAsString())) {
      return invalidEvent(7, "Incorrect index", n);
    }
    if (event.has("fields")) {
      for (Map.Entry<String, JsonElement> f : event.getAsJsonObject("fields").entrySet()) {
        if (!f.getValue().isJsonPrimitive() || !f.getValue().getAsJsonPrimitive().isString()) {
          return invalidEvent(15, "Error in handling indexed fields", n);
        }
      }
    }
    return null;
  }

  private synchronized Response ack(Request r) {
    if (!ackScript.isEmpty()) {
      return ackScript.poll();
    }
    Response refused = authorize(r);
    if (refused != null) {
      return refused;
    }
    if (!ack) {
      return hec(400, 14, "ACK is disabled");
    }
    String channel = r.header("X-Splunk-Request-Channel");
    if (channel == null) {
      return hec(400, 10, "Data channel is missing");
    }
    JsonObject answer = new JsonObject();
    try {
      for (JsonElement id : JsonParser.parseString(r.body()).getAsJsonObject()
          .getAsJsonArray("acks")) {
        answer.addProperty(id.getAsString(), poll(channel + "/" + id.getAsLong()));
      }
    } catch (JsonParseException | IllegalStateException | NullPointerException e) {
      return hec(400, 6, "Invalid data format");
    }
    JsonObject body = new JsonObject();
    body.add("acks", answer);
    return Response.of(200, body.toString());
  }

  /** One poll of one ack: true once its events are indexed, then forgotten. */
  private boolean poll(String key) {
    Pending p = pending.get(key);
    if (p == null || p.lost || p.pollsLeft-- > 0) {
      return false;
    }
    pending.remove(key);
    indexed.addAll(p.events);
    return true;
  }

  private static Response authorize(Request r) {
    String authorization = r.header("Authorization");
    if (authorization == null) {
      return hec(401, 2, "Token is required");
    }
    if (!authorization.startsWith("Splunk ")) {
      return hec(401, 3, "Invalid authorization");
    }
    if (!authorization.equals("Splunk " + TOKEN)) {
      return hec(403, 4, "Invalid token");
    }
    return null;
  }

  static Response hec(int status, int code, String text) {
    return Response.of(status, "{\"text\":\"" + text + "\",\"code\":" + code + "}");
  }

  private static Response invalidEvent(int code, String text, int n) {
    return Response.of(400, "{\"text\":\"" + text + "\",\"code\":" + code
        + ",\"invalid-event-number\":" + n + "}");
  }

  @Override
  public void close() {
    server.close();
  }
}
