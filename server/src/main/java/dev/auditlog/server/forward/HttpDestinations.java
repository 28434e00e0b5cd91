package dev.auditlog.server.forward;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;

/**
 * What the HTTP destinations share: the base URL setting, a JDK HTTP client with the
 * destination's TLS, sending, and the meaning of HTTP statuses for a forwarder (413 split,
 * 401/403 and other 4xx pause, 429/5xx and network errors retry, honouring Retry-After).
 */
public final class HttpDestinations {
  private HttpDestinations() {}

  /** An http(s) URL ending in '/', so that paths resolve below it. */
  public static URI baseUrl(Settings s, String key) {
    String value = s.string(key);
    try {
      URI uri = new URI(value.endsWith("/") ? value : value + "/");
      if (!("https".equals(uri.getScheme()) || "http".equals(uri.getScheme()))
          || uri.getHost() == null || uri.getRawQuery() != null || uri.getUserInfo() != null) {
        throw new URISyntaxException(value, "not an http(s) URL without user info or query");
      }
      return uri;
    } catch (URISyntaxException e) {
      throw s.invalid(key, "an http(s) URL such as https://siem.example:9200, got '" + value
          + "'");
    }
  }

  /** A client with the TLS of the {@code tls} settings, connecting within the timeout. */
  public static HttpClient client(Settings s, Duration connectTimeout) {
    return HttpClient.newBuilder()
        .sslContext(ReceiverTls.context(s.object("tls")))
        .connectTimeout(connectTimeout)
        .followRedirects(HttpClient.Redirect.NEVER)
        .build();
  }

  /** Sends; a network failure or timeout is a retryable delivery failure. */
  public static HttpResponse<String> send(HttpClient http, HttpRequest request, String name)
      throws DeliveryException {
    try {
      return http.send(request, HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw DeliveryException.retry(name + ": " + request.method() + " " + request.uri()
          + " failed: " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw DeliveryException.retry(name + ": interrupted", e);
    }
  }

  /** Returns normally for 2xx; else throws the failure the status means. */
  public static void requireSuccess(HttpResponse<?> response, String name)
      throws DeliveryException {
    int status = response.statusCode();
    if (status >= 200 && status < 300) {
      return;
    }
    String why = name + ": " + response.request().method() + " " + response.request().uri()
        .getPath() + " answered HTTP " + status + body(response);
    DeliveryException.Kind kind = status == 413 ? DeliveryException.Kind.TOO_LARGE
        : status == 408 || status == 429 || status >= 500 ? DeliveryException.Kind.RETRY
        : DeliveryException.Kind.PERMANENT;
    throw new DeliveryException(kind, why, retryAfter(response), 0, null);
  }

  /** The first 300 characters of a text body, for the status message. */
  private static String body(HttpResponse<?> response) {
    Object b = response.body();
    if (!(b instanceof String s) || s.isBlank()) {
      return "";
    }
    String one = s.strip().replaceAll("\\s+", " ");
    return ": " + (one.length() > 300 ? one.substring(0, 300) + "..." : one);
  }

  /** The Retry-After header, in seconds or as an HTTP date; null if absent or unreadable. */
  static Duration retryAfter(HttpResponse<?> response) {
    return response.headers().firstValue("Retry-After").map(v -> {
      try {
        return Duration.ofSeconds(Math.max(0, Long.parseLong(v.trim())));
      } catch (NumberFormatException notSeconds) {
        try {
          ZonedDateTime at = ZonedDateTime.parse(v.trim(), DateTimeFormatter.RFC_1123_DATE_TIME);
          Duration d = Duration.between(ZonedDateTime.now(at.getZone()), at);
          return d.isNegative() ? Duration.ZERO : d;
        } catch (DateTimeParseException notADate) {
          return null;
        }
      }
    }).orElse(null);
  }
}
