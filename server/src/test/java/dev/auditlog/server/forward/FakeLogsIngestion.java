package dev.auditlog.server.forward;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import dev.auditlog.server.forward.RecordingHttpServer.Request;
import dev.auditlog.server.forward.RecordingHttpServer.Response;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Microsoft Entra ID's token endpoint and the Azure Monitor Logs Ingestion API as Microsoft's
 * documentation describes them, for contract tests, on one {@link RecordingHttpServer}.
 *
 * <p>{@code POST /<tenant>/oauth2/v2.0/token} takes the client credentials form ({@code
 * application/x-www-form-urlencoded}: {@code grant_type=client_credentials}, {@code
 * client_id}, {@code client_secret}, {@code scope}) and answers {@code
 * {"token_type":"Bearer","expires_in":3599,"ext_expires_in":3599,"access_token":"..."}}; a
 * wrong secret is 401 {@code invalid_client}, an unknown client 400 {@code
 * unauthorized_client}, another scope 400 {@code invalid_scope}.
 *
 * <p>{@code POST /dataCollectionRules/<dcr>/streams/<stream>?api-version=2023-01-01} takes
 * {@code Authorization: Bearer} with a token it issued and has not revoked (else 401), {@code
 * Content-Type: application/json}, at most 1 MB (1,048,576 bytes, else 413) of a JSON array of
 * objects with {@code TimeGenerated} (else 400), and answers 204. Another DCR or stream is 404.
 * Error bodies have Azure's common shape {@code {"error":{"code":...,"message":...}}}; their
 * codes and messages here are illustrative, not copied from the service.
 *
 * <p>Scripted answers ({@link #script}, {@link #scriptToken}) come first. Synchronized: the
 * server thread and the test share it.
 */
final class FakeLogsIngestion implements AutoCloseable {
  static final String TENANT = "5f3c9a0e-1b2d-4c6e-8f90-a1b2c3d4e5f6";
  static final String CLIENT_ID = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d";
  static final String SECRET = "Xy7~q.secret-value_9";
  static final String SCOPE = "https://monitor.azure.com//.default";
  static final String DCR = "dcr-0123456789abcdef0123456789abcdef";
  static final String STREAM = "Custom-AuditLog_CL";
  static final String TOKEN_PATH = "/" + TENANT + "/oauth2/v2.0/token";
  static final String STREAM_PATH = "/dataCollectionRules/" + DCR + "/streams/" + STREAM;
  static final int MAX_BYTES = 1_048_576;

  final RecordingHttpServer server;
  private final Deque<Response> script = new ArrayDeque<>();
  private final Deque<Response> tokenScript = new ArrayDeque<>();
  private final Set<String> valid = new HashSet<>();
  private final List<JsonObject> rows = new ArrayList<>();
  private int issued;

  FakeLogsIngestion(RecordingHttpServer server) {
    this.server = server;
    server.handle(TOKEN_PATH, this::token);
    server.handle(STREAM_PATH, this::upload);
  }

  /** The next uploads are answered with these, in order. */
  synchronized void script(Response... responses) {
    script.addAll(List.of(responses));
  }

  /** The next token requests are answered with these, in order. */
  synchronized void scriptToken(Response... responses) {
    tokenScript.addAll(List.of(responses));
  }

  /** Every token issued so far stops being accepted (as if expired). */
  synchronized void revokeTokens() {
    valid.clear();
  }

  /** The rows accepted so far, in order. */
  synchronized List<JsonObject> rows() {
    return List.copyOf(rows);
  }

  private synchronized Response token(Request r) {
    if (!tokenScript.isEmpty()) {
      return tokenScript.poll();
    }
    Map<String, String> form = form(r.body());
    if (!"application/x-www-form-urlencoded".equals(r.header("Content-Type"))
        || !"client_credentials".equals(form.get("grant_type"))) {
      return oauth(400, "invalid_request", "AADSTS900144: The request body must contain the"
          + " following parameter: 'grant_type'.");
    }
    if (!CLIENT_ID.equals(form.get("client_id"))) {
      return oauth(400, "unauthorized_client", "AADSTS700016: Application not found.");
    }
    if (!SECRET.equals(form.get("client_secret"))) {
      return oauth(401, "invalid_client", "AADSTS7000215: Invalid client secret provided.");
    }
    if (!SCOPE.equals(form.get("scope"))) {
      return oauth(400, "invalid_scope", "AADSTS70011: The provided value for scope is not"
          + " valid.");
    }
    String token = "eyJ0eXAiOiJKV1QifQ.token-" + (++issued);
    valid.add(token);
    return Response.of(200, "{\"token_type\":\"Bearer\",\"expires_in\":3599,"
        + "\"ext_expires_in\":3599,\"access_token\":\"" + token + "\"}");
  }

  private synchronized Response upload(Request r) {
    if (!script.isEmpty()) {
      return script.poll();
    }
    String authorization = r.header("Authorization");
    if (authorization == null || !authorization.startsWith("Bearer ")
        || !valid.contains(authorization.substring("Bearer ".length()))) {
      return error(401, "InvalidToken", "The provided token is not valid or has expired.");
    }
    if (!("api-version=" + SentinelDestination.API_VERSION).equals(r.query())) {
      return error(400, "InvalidApiVersion", "api-version 2023-01-01 is required.");
    }
    if (!"application/json".equals(r.header("Content-Type"))) {
      return error(415, "UnsupportedMediaType", "Content-Type must be application/json.");
    }
    if (r.body().getBytes(StandardCharsets.UTF_8).length > MAX_BYTES) {
      return error(413, "ContentLengthLimitExceeded", "The request is larger than 1 MB.");
    }
    List<JsonObject> received = new ArrayList<>();
    try {
      for (JsonElement e : JsonParser.parseString(r.body()).getAsJsonArray()) {
        if (!e.getAsJsonObject().has("TimeGenerated")) {
          return error(400, "InvalidPayload", "TimeGenerated is required.");
        }
        received.add(e.getAsJsonObject());
      }
    } catch (JsonParseException | IllegalStateException e) {
      return error(400, "InvalidPayload", "The body must be a JSON array of objects.");
    }
    rows.addAll(received);
    return Response.of(204, "");
  }

  private static Map<String, String> form(String body) {
    Map<String, String> form = new LinkedHashMap<>();
    for (String pair : body.split("&")) {
      int eq = pair.indexOf('=');
      if (eq > 0) {
        form.put(URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
            URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
      }
    }
    return form;
  }

  /** The form of a token request, decoded. */
  static Map<String, String> formOf(Request r) {
    return form(r.body());
  }

  static Response oauth(int status, String error, String description) {
    return Response.of(status, "{\"error\":\"" + error + "\",\"error_description\":\""
        + description + "\",\"error_codes\":[0]}");
  }

  static Response error(int status, String code, String message) {
    return Response.of(status, "{\"error\":{\"code\":\"" + code + "\",\"message\":\"" + message
        + "\"}}");
  }

  @Override
  public void close() {
    server.close();
  }
}
