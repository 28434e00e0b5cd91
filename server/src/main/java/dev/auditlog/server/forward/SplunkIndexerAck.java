package dev.auditlog.server.forward;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.function.LongSupplier;

/**
 * Waits for Splunk's indexer acknowledgement of one HEC request: polls {@code POST
 * /services/collector/ack} with {@code {"acks":[<ackId>]}} on the destination's channel until
 * the answer {@code {"acks":{"<ackId>":true}}}, or the timeout.
 *
 * <p>Splunk answers {@code false} both while the data is still on its way to the indexes and
 * when it was lost (an indexer restarted, the channel expired), so only the timeout tells the
 * two apart: after it the batch is sent again (RETRY), and whatever of it Splunk did index
 * arrives twice. Polls come after 0.5 s, then at doubling intervals up to every 10 s (the
 * interval Splunk's documentation recommends, and 5 minutes the time after which it suggests
 * treating the data as lost). A transient failure of a poll (network, 5xx, 429) is polled
 * past until the timeout; a permanent one (400 "ACK is disabled", 401, 403) is thrown.
 *
 * <p>Time comes from {@code nanoTime} and waits go through {@code sleeper}, so that tests
 * neither sleep nor wait. Not thread-safe: one forwarder thread uses it.
 */
final class SplunkIndexerAck {
  static final Duration FIRST_POLL = Duration.ofMillis(500);
  static final Duration MAX_POLL = Duration.ofSeconds(10);

  private final String name;
  private final HttpClient http;
  private final URI ackUrl;
  private final String authorization;
  private final String channel;
  private final Duration ackTimeout;
  private final Duration requestTimeout;
  private final LongSupplier nanoTime;
  private final Forwarder.Sleeper sleeper;

  /**
   * @param ackUrl the collector's {@code /services/collector/ack}
   * @param authorization the {@code Authorization} header's value ({@code Splunk <token>})
   * @param channel the channel the acknowledged requests were sent on (a GUID)
   * @param ackTimeout how long to wait for {@code true} before the batch is sent again
   */
  SplunkIndexerAck(String name, HttpClient http, URI ackUrl, String authorization,
      String channel, Duration ackTimeout, Duration requestTimeout, LongSupplier nanoTime,
      Forwarder.Sleeper sleeper) {
    this.name = name;
    this.http = http;
    this.ackUrl = ackUrl;
    this.authorization = authorization;
    this.channel = channel;
    this.ackTimeout = ackTimeout;
    this.requestTimeout = requestTimeout;
    this.nanoTime = nanoTime;
    this.sleeper = sleeper;
  }

  /**
   * Returns once the indexers acknowledged {@code ackId}.
   *
   * @throws DeliveryException RETRY after the timeout (or when interrupted), PERMANENT when
   *     the collector refuses the query itself
   */
  void await(long ackId) throws DeliveryException {
    long deadline = nanoTime.getAsLong() + ackTimeout.toNanos();
    Duration wait = FIRST_POLL;
    String last = "every poll answered false";
    while (true) {
      long left = deadline - nanoTime.getAsLong();
      if (left <= 0) {
        throw DeliveryException.retry(name + ": no indexer acknowledgement of ackId " + ackId
            + " on channel " + channel + " within " + ackTimeout.toMillis() + " ms (" + last
            + "); the batch is sent again, and Splunk may index part of it twice", null);
      }
      if (!sleeper.sleep(wait.toNanos() < left ? wait : Duration.ofNanos(left))) {
        throw DeliveryException.retry(name + ": interrupted waiting for indexer"
            + " acknowledgement", null);
      }
      wait = wait.multipliedBy(2).compareTo(MAX_POLL) > 0 ? MAX_POLL : wait.multipliedBy(2);
      try {
        if (acknowledged(ackId)) {
          return;
        }
      } catch (DeliveryException e) {
        if (e.kind() != DeliveryException.Kind.RETRY) {
          throw e;
        }
        last = "last poll: " + e.getMessage();
      }
    }
  }

  /** One poll: whether the collector answers {@code true} for {@code ackId}. */
  private boolean acknowledged(long ackId) throws DeliveryException {
    HttpRequest request = HttpRequest.newBuilder(ackUrl).timeout(requestTimeout)
        .header("Authorization", authorization)
        .header("X-Splunk-Request-Channel", channel)
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString("{\"acks\":[" + ackId + "]}",
            StandardCharsets.UTF_8))
        .build();
    HttpResponse<String> response = HttpDestinations.send(http, request, name);
    HttpDestinations.requireSuccess(response, name);
    try {
      JsonObject acks = JsonParser.parseString(response.body()).getAsJsonObject()
          .getAsJsonObject("acks");
      JsonElement status = acks == null ? null : acks.get(Long.toString(ackId));
      return status != null && status.isJsonPrimitive()
          && status.getAsJsonPrimitive().isBoolean() && status.getAsBoolean();
    } catch (JsonParseException | IllegalStateException | ClassCastException e) {
      throw DeliveryException.retry(name + ": /services/collector/ack answered something that"
          + " is not its JSON", e);
    }
  }
}
