package dev.auditlog.server.metrics;

import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.net.InetAddress;

/**
 * Serves a registry for Prometheus to scrape: {@code GET /metrics} in the Prometheus text
 * format, and {@code /-/healthy} (always 200, the exporter's liveness), over plain HTTP without
 * authentication on an address of its own, by default loopback only ({@code --metrics-bind}).
 * The metrics hold no event content and no identities; they do show load, refusals and
 * forwarding state, so keep the port behind the host's firewall when it is not loopback.
 */
public final class MetricsEndpoint implements AutoCloseable {
  private final HTTPServer server;

  private MetricsEndpoint(HTTPServer server) {
    this.server = server;
  }

  /**
   * Starts serving {@code registry} on {@code bindAddress}:{@code port} (0: any free port).
   *
   * @throws IOException naming the address if it cannot be bound
   */
  public static MetricsEndpoint start(String bindAddress, int port, PrometheusRegistry registry)
      throws IOException {
    try {
      return new MetricsEndpoint(HTTPServer.builder()
          .inetAddress(InetAddress.getByName(bindAddress)).port(port).registry(registry)
          .buildAndStart());
    } catch (IOException e) {
      throw new IOException("the metrics endpoint cannot listen on " + bindAddress + ":" + port
          + " (--metrics-bind, --metrics-port): " + e.getMessage(), e);
    }
  }

  /** The port it listens on. */
  public int port() {
    return server.getPort();
  }

  /** Stops serving. */
  @Override
  public void close() {
    server.close();
  }
}
