package dev.auditlog.server.forward;

import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * Microsoft Sentinel through the Azure Monitor Logs Ingestion API: {@code POST
 * {endpoint}/dataCollectionRules/{dcr_id}/streams/{stream}?api-version=2023-01-01} with
 * {@code Authorization: Bearer <token>} (an Entra ID application's client credentials token,
 * {@link ClientCredentialsToken}) and a JSON array of rows ({@link SentinelRows}); 204 means
 * the rows were accepted. A batch is split into calls of at most 1 MB, sent in order; a call
 * that fails after others succeeded reports those as delivered.
 *
 * <p>Statuses: 401 drops the token and sends the call again once with a fresh one, a second
 * 401 pauses the destination; 400, 403 (the application lacks the Monitoring Metrics
 * Publisher role on the DCR), 404 and other 4xx pause it; 413 splits the batch (a record
 * whose row alone exceeds 1 MB is refused as too large before it is sent); 429 and 5xx,
 * network errors and timeouts are retried, honouring Retry-After. The API has no idempotency
 * key: a repeated call stores its rows again, told apart by {@code log_id} and {@code seq}.
 *
 * <p>Settings: {@code endpoint} (the data collection endpoint's or the DCR's logs ingestion
 * URL, https), {@code dcr_id} (the DCR's immutable id, {@code dcr-...}), {@code stream}
 * (e.g. {@code Custom-AuditLog_CL}), {@code tenant_id}, {@code client_id}, {@code
 * client_secret_env}/{@code client_secret_file}, {@code token_url} (default {@code
 * https://login.microsoftonline.com/<tenant_id>/oauth2/v2.0/token}), {@code scope} (default
 * {@code https://monitor.azure.com//.default}), {@code timeout_ms} (default 30000), {@code tls}
 * ({@link ReceiverTls}, for both URLs). Both URLs must be https, except to a loopback address.
 */
final class SentinelDestination implements Destination {
  static final String API_VERSION = "2023-01-01";
  private static final String GUID =
      "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}";

  private final String name;
  private final URI streamUrl;
  private final ClientCredentialsToken token;
  private final Duration timeout;
  private final HttpClient http;

  private SentinelDestination(String name, URI streamUrl, ClientCredentialsToken token,
      Duration timeout, HttpClient http) {
    this.name = name;
    this.streamUrl = streamUrl;
    this.token = token;
    this.timeout = timeout;
    this.http = http;
  }

  static SentinelDestination create(String name, Settings s) {
    return create(name, s, System::nanoTime);
  }

  /** As {@link #create(String, Settings)}, with the clock of token expiry passed in (tests). */
  static SentinelDestination create(String name, Settings s, LongSupplier nanoTime) {
    URI endpoint = requireHttps(s, "endpoint", HttpDestinations.baseUrl(s, "endpoint"));
    String dcr = matching(s, "dcr_id", "dcr-[0-9A-Za-z]{1,64}",
        "the DCR's immutable id, dcr- and letters and digits");
    String stream = matching(s, "stream", "[A-Za-z0-9_-]{1,128}",
        "a stream the DCR declares, such as Custom-AuditLog_CL");
    String tenant = matching(s, "tenant_id", "[A-Za-z0-9.-]{1,128}",
        "the Entra ID tenant's id (a GUID) or domain");
    String clientId = matching(s, "client_id", GUID, "the application (client) id, a GUID");
    String secret = s.secret("client_secret");
    URI tokenUrl = tokenUrl(s, tenant);
    String scope = s.string("scope", "https://monitor.azure.com//.default");
    Duration timeout = s.millis("timeout_ms", Duration.ofSeconds(30), Duration.ofSeconds(1),
        Duration.ofMinutes(10));
    HttpClient http = HttpDestinations.client(s, timeout);
    URI streamUrl = endpoint.resolve("dataCollectionRules/" + dcr + "/streams/" + stream
        + "?api-version=" + API_VERSION);
    return new SentinelDestination(name, streamUrl, new ClientCredentialsToken(name, http,
        tokenUrl, clientId, secret, scope, timeout, nanoTime), timeout, http);
  }

  private static String matching(Settings s, String key, String pattern, String expected) {
    String value = s.string(key);
    if (!value.matches(pattern)) {
      throw s.invalid(key, expected + ", got '" + value + "'");
    }
    return value;
  }

  private static URI tokenUrl(Settings s, String tenant) {
    String value = s.string("token_url",
        "https://login.microsoftonline.com/" + tenant + "/oauth2/v2.0/token");
    try {
      URI uri = new URI(value);
      if (uri.getHost() != null && uri.getUserInfo() == null && uri.getRawQuery() == null) {
        return requireHttps(s, "token_url", uri);
      }
    } catch (URISyntaxException e) {
      // reported below
    }
    throw s.invalid("token_url", "an https URL without user info or query, got '" + value
        + "'");
  }

  /** {@code uri} if it is https, or http to a loopback address (a test's receiver). */
  private static URI requireHttps(Settings s, String key, URI uri) {
    if ("https".equals(uri.getScheme()) || loopback(uri.getHost())) {
      return uri;
    }
    throw s.invalid(key, "an https URL (the token and the secret travel on it), got '" + uri
        + "'");
  }

  private static boolean loopback(String host) {
    if (!host.matches("[0-9.]+|\\[[0-9a-fA-F:]+\\]") && !host.equals("localhost")) {
      return false; // no name lookup for other host names
    }
    try {
      return InetAddress.getByName(host).isLoopbackAddress();
    } catch (UnknownHostException e) {
      return false;
    }
  }

  @Override
  public String name() {
    return name;
  }

  /** The URL rows are posted to. */
  URI streamUrl() {
    return streamUrl;
  }

  /** Where tokens are requested. */
  URI tokenUrl() {
    return token.tokenUrl();
  }

  @Override
  public int deliver(List<ForwardRecord> records) throws DeliveryException {
    List<String> rows = records.stream().map(SentinelRows::row).toList();
    int[] sizes = SentinelRows.sizes(rows);
    int done = 0;
    while (done < rows.size()) {
      int n = SentinelRows.fitting(sizes, done, SentinelRows.MAX_BODY_BYTES);
      if (n == 0) {
        throw new DeliveryException(DeliveryException.Kind.TOO_LARGE, name + ": the row of seq "
            + records.get(done).seq() + " is " + sizes[done] + " bytes of JSON, more than the"
            + " Logs Ingestion API takes in one call (" + SentinelRows.MAX_BODY_BYTES + ")",
            null, done, null);
      }
      try {
        upload(SentinelRows.body(rows.subList(done, done + n)));
      } catch (DeliveryException e) {
        throw new DeliveryException(e.kind(), e.getMessage(), e.retryAfter(), done, e);
      }
      done += n;
    }
    return done;
  }

  /** One call; a 401 is answered by one more with a fresh token. */
  private void upload(String body) throws DeliveryException {
    HttpResponse<String> response = post(body);
    if (response.statusCode() == 401) {
      token.invalidate();
      response = post(body);
      if (response.statusCode() == 401) {
        HttpDestinations.requireSuccess(response, name + " (with a freshly fetched token)");
      }
    }
    HttpDestinations.requireSuccess(response, name);
  }

  private HttpResponse<String> post(String body) throws DeliveryException {
    HttpRequest request = HttpRequest.newBuilder(streamUrl).timeout(timeout)
        .header("Authorization", "Bearer " + token.get())
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8))
        .build();
    return HttpDestinations.send(http, request, name);
  }

  @Override
  public void close() {
    // The JDK client closes its connections when it is collected (Java 17 has no close()).
  }

  /** For messages: never the secret or a token. */
  @Override
  public String toString() {
    return "sentinel " + name + " " + streamUrl;
  }
}
