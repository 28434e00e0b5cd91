package dev.auditlog.client.bench;

import com.google.gson.JsonParser;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * One index of an OpenSearch (or Elasticsearch) node over plain HTTP, as far as the bench
 * reads it: whether the node answers, and how many documents the index holds.
 */
final class OpenSearchIndex {
  private static final Duration TIMEOUT = Duration.ofSeconds(30);

  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final String url;
  private final String index;

  /**
   * @param url the node, e.g. {@code http://127.0.0.1:9201}
   * @param index the index name
   */
  OpenSearchIndex(String url, String index) {
    this.url = url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    this.index = index;
  }

  String url() {
    return url;
  }

  String index() {
    return index;
  }

  /**
   * The node's version, e.g. {@code OpenSearch 2.19.1}.
   *
   * @throws IOException naming the URL if the node does not answer
   */
  String version() throws IOException {
    var v = JsonParser.parseString(get("/")).getAsJsonObject().getAsJsonObject("version");
    String distribution = v.has("distribution") ? v.get("distribution").getAsString()
        : "elasticsearch";
    return distribution + " " + v.get("number").getAsString();
  }

  /** Makes every document written so far visible, then counts the index's documents. */
  long refreshedCount() throws IOException {
    send(HttpRequest.newBuilder(uri("/" + index + "/_refresh"))
        .POST(HttpRequest.BodyPublishers.noBody()));
    String body = get("/" + index + "/_count");
    return JsonParser.parseString(body).getAsJsonObject().get("count").getAsLong();
  }

  private String get(String path) throws IOException {
    return send(HttpRequest.newBuilder(uri(path)).GET());
  }

  private String send(HttpRequest.Builder request) throws IOException {
    HttpRequest r = request.timeout(TIMEOUT).build();
    HttpResponse<String> answer;
    try {
      answer = http.send(r, HttpResponse.BodyHandlers.ofString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted: " + r.method() + " " + r.uri(), e);
    } catch (IOException e) {
      throw new IOException(r.method() + " " + r.uri() + ": " + e, e);
    }
    if (answer.statusCode() >= 300) {
      throw new IOException(r.method() + " " + r.uri() + ": HTTP " + answer.statusCode() + " "
          + answer.body());
    }
    return answer.body();
  }

  private URI uri(String path) {
    return URI.create(url + path);
  }
}
