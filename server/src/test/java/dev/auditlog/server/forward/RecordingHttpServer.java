package dev.auditlog.server.forward;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import dev.auditlog.server.tls.PemFiles;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Map.Entry;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

/**
 * An HTTP or HTTPS server in the test JVM on a loopback port, standing in for a SIEM's
 * receiver (the JDK's {@code com.sun.net.httpserver}, so no dependency): every request is
 * recorded as it arrived (method, path, query, headers, body), and answered by the handler
 * registered for its path, 404 otherwise. Thread-safe.
 */
final class RecordingHttpServer implements AutoCloseable {

  /** A request as it arrived; header names are looked up ignoring case. */
  record Request(String method, String path, String query, Map<String, List<String>> headers,
      String body) {

    /** The first value of header {@code name}, or null. */
    String header(String name) {
      List<String> values = headers.get(name);
      return values == null || values.isEmpty() ? null : values.get(0);
    }
  }

  /** An answer: status, body (JSON unless a Content-Type header says otherwise), headers. */
  record Response(int status, String body, Map<String, String> headers) {
    static Response of(int status, String body) {
      return new Response(status, body, Map.of());
    }

    Response withHeader(String name, String value) {
      Map<String, String> more = new LinkedHashMap<>(headers);
      more.put(name, value);
      return new Response(status, body, more);
    }
  }

  /** Answers the requests to one path. */
  interface Handler {
    Response handle(Request request);
  }

  private final HttpServer server;
  private final String scheme;
  private final Map<String, Handler> handlers = new ConcurrentHashMap<>();
  private final List<Request> requests = new CopyOnWriteArrayList<>();

  private RecordingHttpServer(HttpServer server, String scheme) {
    this.server = server;
    this.scheme = scheme;
    server.createContext("/", this::exchange);
    server.start();
  }

  /** A plain HTTP server on 127.0.0.1. */
  static RecordingHttpServer http() throws IOException {
    return new RecordingHttpServer(HttpServer.create(loopback(), 0), "http");
  }

  /** An HTTPS server on 127.0.0.1 with the certificate and key in these PEM files. */
  static RecordingHttpServer https(Path certificate, Path key)
      throws IOException, GeneralSecurityException {
    KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
    store.load(null, null);
    store.setKeyEntry("server", PemFiles.privateKey(key), new char[0],
        PemFiles.certificates(certificate).toArray(X509Certificate[]::new));
    KeyManagerFactory keys = KeyManagerFactory.getInstance(
        KeyManagerFactory.getDefaultAlgorithm());
    keys.init(store, new char[0]);
    SSLContext tls = SSLContext.getInstance("TLS");
    tls.init(keys.getKeyManagers(), null, null);
    HttpsServer server = HttpsServer.create(loopback(), 0);
    server.setHttpsConfigurator(new HttpsConfigurator(tls));
    return new RecordingHttpServer(server, "https");
  }

  private static InetSocketAddress loopback() {
    return new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
  }

  /** Answers requests to {@code path} (exactly) with {@code handler}. */
  void handle(String path, Handler handler) {
    handlers.put(path, handler);
  }

  /** The server's base URL, e.g. {@code http://127.0.0.1:41234}. */
  URI url() {
    return URI.create(scheme + "://127.0.0.1:" + server.getAddress().getPort());
  }

  /** Every request so far, in the order they arrived. */
  List<Request> requests() {
    return List.copyOf(requests);
  }

  /** The requests so far to {@code path}. */
  List<Request> requests(String path) {
    return requests.stream().filter(r -> r.path().equals(path)).toList();
  }

  private void exchange(HttpExchange exchange) throws IOException {
    try {
      Map<String, List<String>> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
      for (Entry<String, List<String>> h : exchange.getRequestHeaders().entrySet()) {
        headers.put(h.getKey(), List.copyOf(h.getValue()));
      }
      URI uri = exchange.getRequestURI();
      Request request = new Request(exchange.getRequestMethod(), uri.getPath(),
          uri.getRawQuery(), headers,
          new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
      requests.add(request);
      Response response = Optional.ofNullable(handlers.get(request.path()))
          .map(h -> h.handle(request))
          .orElse(Response.of(404, "{\"text\":\"not found\"}"));
      respond(exchange, response);
    } catch (RuntimeException e) {
      respond(exchange, Response.of(500, "test server failed: " + e));
      throw e;
    } finally {
      exchange.close();
    }
  }

  private static void respond(HttpExchange exchange, Response response) throws IOException {
    byte[] body = response.body().getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", "application/json; charset=UTF-8");
    response.headers().forEach((k, v) -> exchange.getResponseHeaders().set(k, v));
    exchange.sendResponseHeaders(response.status(), body.length == 0 ? -1 : body.length);
    if (body.length > 0) {
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }

  /** The requests so far, for failure messages. */
  @Override
  public String toString() {
    List<String> lines = new ArrayList<>();
    for (Request r : requests) {
      lines.add(r.method() + " " + r.path() + (r.query() == null ? "" : "?" + r.query()));
    }
    return scheme + " server " + url() + " " + lines;
  }
}
