package dev.auditlog.server.forward;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.function.LongSupplier;

/**
 * An OAuth 2.0 access token obtained with the client credentials grant (RFC 6749, 4.4), as
 * Microsoft Entra ID issues it to an application for the Logs Ingestion API: {@code POST
 * token_url} with the form {@code grant_type=client_credentials}, {@code client_id}, {@code
 * client_secret} and {@code scope}; the answer's {@code access_token} is used until shortly
 * before its {@code expires_in} runs out (5 minutes before, or at half its lifetime when that
 * is shorter; without {@code expires_in} it is not reused), then fetched again. {@link
 * #invalidate()} drops it, after the API refused it with 401.
 *
 * <p>Failures: network errors, 408, 429 and 5xx are RETRY (honouring Retry-After); 400 and 401,
 * Entra ID's answers to a wrong tenant, client id, secret or scope ({@code invalid_client},
 * {@code unauthorized_client}, {@code invalid_scope}, ...), are PERMANENT, with its {@code
 * error} and description. The secret is in no message. Not thread-safe: one forwarder thread
 * uses it.
 */
final class ClientCredentialsToken {
  static final Duration REFRESH_BEFORE_EXPIRY = Duration.ofMinutes(5);

  private final String name;
  private final HttpClient http;
  private final URI tokenUrl;
  private final String form;
  private final Duration timeout;
  private final LongSupplier nanoTime;
  private String token;
  private long refreshAt;

  /**
   * @param name the destination's, for messages
   * @param nanoTime monotonic time, {@code System::nanoTime} outside tests
   */
  ClientCredentialsToken(String name, HttpClient http, URI tokenUrl, String clientId,
      String clientSecret, String scope, Duration timeout, LongSupplier nanoTime) {
    this.name = name;
    this.http = http;
    this.tokenUrl = tokenUrl;
    this.form = "grant_type=client_credentials&client_id=" + encode(clientId)
        + "&client_secret=" + encode(clientSecret) + "&scope=" + encode(scope);
    this.timeout = timeout;
    this.nanoTime = nanoTime;
  }

  /**
   * The current token, fetched when there is none or it is about to expire.
   *
   * @throws DeliveryException when Entra ID cannot be reached or refuses the credentials
   */
  String get() throws DeliveryException {
    if (token == null || nanoTime.getAsLong() - refreshAt >= 0) {
      fetch();
    }
    return token;
  }

  /** Where tokens are requested. */
  URI tokenUrl() {
    return tokenUrl;
  }

  /** Forgets the token: the next {@link #get()} fetches a new one. */
  void invalidate() {
    token = null;
  }

  private void fetch() throws DeliveryException {
    token = null;
    long asked = nanoTime.getAsLong();
    HttpRequest request = HttpRequest.newBuilder(tokenUrl).timeout(timeout)
        .header("Content-Type", "application/x-www-form-urlencoded")
        .header("Accept", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(form, StandardCharsets.UTF_8))
        .build();
    HttpResponse<String> response = HttpDestinations.send(http, request, name);
    HttpDestinations.requireSuccess(response, name + ": token request");
    JsonObject answer;
    try {
      answer = JsonParser.parseString(response.body()).getAsJsonObject();
    } catch (JsonParseException | IllegalStateException e) {
      throw DeliveryException.permanent(name + ": " + tokenUrl + " answered a token request"
          + " with something that is not an OAuth token response");
    }
    JsonElement accessToken = answer.get("access_token");
    if (accessToken == null || !accessToken.isJsonPrimitive()
        || accessToken.getAsString().isEmpty()) {
      throw DeliveryException.permanent(name + ": " + tokenUrl + " answered a token request"
          + " without an access_token");
    }
    Duration lifetime = Duration.ofSeconds(expiresIn(answer.get("expires_in")));
    Duration margin = lifetime.dividedBy(2).compareTo(REFRESH_BEFORE_EXPIRY) < 0
        ? lifetime.dividedBy(2) : REFRESH_BEFORE_EXPIRY;
    token = accessToken.getAsString();
    refreshAt = asked + lifetime.minus(margin).toNanos();
  }

  /** Seconds, a number or (as some issuers send it) a numeric string; 0 when absent. */
  private static long expiresIn(JsonElement e) {
    try {
      return e == null || !e.isJsonPrimitive() ? 0 : Math.max(0, e.getAsLong());
    } catch (NumberFormatException notANumber) {
      return 0;
    }
  }

  private static String encode(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8);
  }

  /** For messages: never the secret. */
  @Override
  public String toString() {
    return "client credentials token from " + tokenUrl;
  }
}
