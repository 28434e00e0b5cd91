package dev.auditlog.server.forward;

import com.google.gson.JsonElement;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.net.CookieManager;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.function.LongSupplier;

/**
 * Splunk through the HTTP Event Collector (HEC): {@code POST /services/collector/event} with
 * {@code Authorization: Splunk <token>}, a batch being the records' JSON envelopes
 * concatenated ({@link SplunkEnvelopes}), every request on one channel ({@code
 * X-Splunk-Request-Channel}, a GUID).
 *
 * <p>Without indexer acknowledgement a 200 counts as delivered: HEC answers it when the data
 * looks valid, before it is indexed. With {@code ack} (the token must have indexer
 * acknowledgement enabled) the 200 carries an {@code ackId}, and the batch counts as delivered
 * only once {@code /services/collector/ack} says {@code true} ({@link SplunkIndexerAck}); if
 * that does not happen within {@code ack_timeout_ms} the batch is sent again, so Splunk may
 * index records twice. Repeats are told apart by {@code audit_log_id} and {@code audit_seq}.
 *
 * <p>Statuses (HEC answers {@code {"text":...,"code":N}}): 400 (no data 5, invalid data format
 * 6, incorrect index 7, channel missing or invalid 10/11, event field 12/13, ACK disabled 14,
 * indexed fields 15), 401 (token required 2, invalid authorization 3), 403 (token disabled 1,
 * invalid token 4) and any other 4xx pause the destination; 413 splits the batch; 429, 5xx
 * (internal error 8, server busy 9, unhealthy 18..20), 408 and network errors are retried,
 * honouring Retry-After. A batch refused for one bad event is retried from its first record:
 * whether HEC indexed the events before it is not documented clearly enough to count them.
 *
 * <p>Settings: {@code url} (required, e.g. {@code https://splunk.example:8088}), {@code
 * token_env}/{@code token_file} (required), {@code index}, {@code source}, {@code host}
 * (absent: the token's defaults), {@code sourcetype} (default {@code audit:entry}), {@code
 * checkpoint_sourcetype} (default {@code audit:checkpoint}), {@code ack} (default false),
 * {@code ack_timeout_ms} (default 300000), {@code channel} (a GUID; default a random one per
 * start), {@code timeout_ms} (per request, default 30000), {@code tls} ({@link ReceiverTls}).
 */
final class SplunkHecDestination implements Destination {
  private static final String GUID =
      "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}";

  private final String name;
  private final URI eventUrl;
  private final String authorization;
  private final String channel;
  private final SplunkEnvelopes envelopes;
  private final Duration timeout;
  private final HttpClient http;
  private final SplunkIndexerAck ack;

  private SplunkHecDestination(String name, URI eventUrl, String authorization, String channel,
      SplunkEnvelopes envelopes, Duration timeout, HttpClient http, SplunkIndexerAck ack) {
    this.name = name;
    this.eventUrl = eventUrl;
    this.authorization = authorization;
    this.channel = channel;
    this.envelopes = envelopes;
    this.timeout = timeout;
    this.http = http;
    this.ack = ack;
  }

  static SplunkHecDestination create(String name, Settings s) {
    return create(name, s, System::nanoTime, Forwarder.Sleeper.REAL);
  }

  /**
   * As {@link #create(String, Settings)}, with the time and the waits of acknowledgement
   * polling passed in (tests).
   */
  static SplunkHecDestination create(String name, Settings s, LongSupplier nanoTime,
      Forwarder.Sleeper sleeper) {
    URI url = HttpDestinations.baseUrl(s, "url");
    String authorization = "Splunk " + s.secret("token");
    Optional<String> index = s.optionalString("index");
    if (index.isPresent() && !index.get().matches("[a-z0-9][a-z0-9_-]{0,79}")) {
      throw s.invalid("index", "a Splunk index name (lowercase letters, digits, '_', '-'), got '"
          + index.get() + "'");
    }
    SplunkEnvelopes envelopes = new SplunkEnvelopes(s.optionalString("host").orElse(null),
        s.optionalString("source").orElse(null), index.orElse(null),
        s.string("sourcetype", "audit:entry"),
        s.string("checkpoint_sourcetype", "audit:checkpoint"));
    boolean useAck = s.bool("ack", false);
    Duration ackTimeout = s.millis("ack_timeout_ms", Duration.ofMinutes(5), Duration.ofSeconds(1),
        Duration.ofHours(1));
    String channel = s.optionalString("channel").orElseGet(() -> UUID.randomUUID().toString());
    if (!channel.matches(GUID)) {
      throw s.invalid("channel", "a GUID such as " + UUID.randomUUID() + ", got '" + channel
          + "'");
    }
    Duration timeout = s.millis("timeout_ms", Duration.ofSeconds(30), Duration.ofSeconds(1),
        Duration.ofMinutes(10));
    HttpClient http = client(s, timeout);
    SplunkIndexerAck ack = useAck ? new SplunkIndexerAck(name, http,
        url.resolve("services/collector/ack"), authorization, channel, ackTimeout, timeout,
        nanoTime, sleeper) : null;
    return new SplunkHecDestination(name, url.resolve("services/collector/event"),
        authorization, channel, envelopes, timeout, http, ack);
  }

  /**
   * As {@link HttpDestinations#client}, keeping cookies: behind a load balancer the ack polls
   * must reach the indexer that took the events, which load balancers commonly arrange with
   * a sticky-session cookie.
   */
  private static HttpClient client(Settings s, Duration connectTimeout) {
    return HttpClient.newBuilder()
        .sslContext(ReceiverTls.context(s.object("tls")))
        .connectTimeout(connectTimeout)
        .followRedirects(HttpClient.Redirect.NEVER)
        .cookieHandler(new CookieManager())
        .build();
  }

  @Override
  public String name() {
    return name;
  }

  /** The channel every request is sent on. */
  String channel() {
    return channel;
  }

  @Override
  public int deliver(List<ForwardRecord> records) throws DeliveryException {
    HttpRequest request = HttpRequest.newBuilder(eventUrl).timeout(timeout)
        .header("Authorization", authorization)
        .header("X-Splunk-Request-Channel", channel)
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(envelopes.body(records),
            StandardCharsets.UTF_8))
        .build();
    HttpResponse<String> response = HttpDestinations.send(http, request, name);
    HttpDestinations.requireSuccess(response, name);
    if (ack != null) {
      ack.await(ackId(response.body(), records.size()));
    }
    return records.size();
  }

  /**
   * The {@code ackId} of a 200 answer. Without one the token has indexer acknowledgement
   * off: HEC did take the events (they count as delivered), and the destination pauses.
   */
  private long ackId(String body, int sent) throws DeliveryException {
    try {
      JsonElement id = JsonParser.parseString(body).getAsJsonObject().get("ackId");
      if (id != null && id.isJsonPrimitive() && id.getAsJsonPrimitive().isNumber()) {
        return id.getAsLong();
      }
    } catch (JsonParseException | IllegalStateException | NumberFormatException e) {
      // reported below
    }
    throw new DeliveryException(DeliveryException.Kind.PERMANENT, name + ": ack is true, but"
        + " HEC answered without an ackId (" + (body.length() > 200 ? body.substring(0, 200)
        : body) + "): enable indexer acknowledgement on the token, or set ack to false", null,
        sent, null);
  }

  @Override
  public void close() {
    // The JDK client closes its connections when it is collected (Java 17 has no close()).
  }

  /** For messages: never the token. */
  @Override
  public String toString() {
    return "splunk-hec " + name + " " + eventUrl + " channel " + channel
        + (ack != null ? " with indexer acknowledgement" : "");
  }
}
