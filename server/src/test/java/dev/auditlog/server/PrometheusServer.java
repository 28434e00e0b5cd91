package dev.auditlog.server;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Debian's Prometheus ({@code apt-get install prometheus}) run by a test: its own configuration
 * in a temporary directory that scrapes one target every second, its database there too, its
 * HTTP API on a free loopback port; and instant queries through that API. The package's own
 * service is not used.
 */
final class PrometheusServer implements AutoCloseable {
  private static final List<Path> CANDIDATES =
      List.of(Path.of("/usr/bin/prometheus"), Path.of("/usr/local/bin/prometheus"));

  private final Process process;
  private final int port;
  private final Path log;
  private final HttpClient http = HttpClient.newBuilder()
      .connectTimeout(Duration.ofSeconds(5)).build();

  private PrometheusServer(Process process, int port, Path log) {
    this.process = process;
    this.port = port;
    this.log = log;
  }

  /** The prometheus binary, if installed. */
  static Optional<Path> binary() {
    return CANDIDATES.stream().filter(Files::isExecutable).findFirst();
  }

  /** Starts Prometheus scraping {@code target} (host:port, path /metrics) as job "audit". */
  static PrometheusServer start(Path binary, Path dir, String target) throws IOException {
    Path config = dir.resolve("prometheus.yml");
    Files.writeString(config, String.join("\n",
        "global:",
        "  scrape_interval: 1s",
        "  scrape_timeout: 1s",
        "  evaluation_interval: 1s",
        "scrape_configs:",
        "  - job_name: audit",
        "    static_configs:",
        "      - targets: ['" + target + "']",
        ""));
    int port = freePort();
    Path log = dir.resolve("prometheus.log");
    Process p = new ProcessBuilder(binary.toString(), "--config.file=" + config,
        "--storage.tsdb.path=" + dir.resolve("tsdb"),
        "--web.listen-address=127.0.0.1:" + port)
        .redirectErrorStream(true).redirectOutput(log.toFile()).start();
    return new PrometheusServer(p, port, log);
  }

  /**
   * Evaluates {@code promql} (an instant query) until its first result is {@code expected},
   * and returns the last value seen; empty if the query never had a result.
   */
  OptionalDouble awaitValue(String promql, double expected, Duration timeout)
      throws IOException, InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    OptionalDouble last = OptionalDouble.empty();
    while (System.nanoTime() - deadline < 0 && process.isAlive()) {
      last = query(promql);
      if (last.isPresent() && last.getAsDouble() == expected) {
        return last;
      }
      Thread.sleep(500);
    }
    return last;
  }

  /** The first result's value of the instant query {@code promql}, if it has one. */
  OptionalDouble query(String promql) throws IOException, InterruptedException {
    HttpResponse<String> r;
    try {
      r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
          + "/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8)))
          .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      return OptionalDouble.empty(); // not listening yet
    }
    if (r.statusCode() != 200) {
      throw new IOException("query " + promql + ": HTTP " + r.statusCode() + " " + r.body());
    }
    JsonArray result = JsonParser.parseString(r.body()).getAsJsonObject()
        .getAsJsonObject("data").getAsJsonArray("result");
    if (result.isEmpty()) {
      return OptionalDouble.empty();
    }
    JsonObject first = result.get(0).getAsJsonObject();
    return OptionalDouble.of(Double.parseDouble(first.getAsJsonArray("value").get(1)
        .getAsString()));
  }

  /** What Prometheus logged. */
  String log() {
    try (Stream<String> lines = Files.lines(log)) {
      return String.join("\n", lines.toList());
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }

  @Override
  public void close() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(20, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      process.waitFor(10, TimeUnit.SECONDS);
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
