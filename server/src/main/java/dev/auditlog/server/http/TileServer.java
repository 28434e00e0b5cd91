package dev.auditlog.server.http;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsExchange;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import dev.auditlog.api.v1.Checkpoint;
import dev.auditlog.server.checkpoint.Checkpointer;
import dev.auditlog.server.store.Leaf;
import dev.auditlog.server.store.StoreException;
import dev.auditlog.server.store.TileStore;
import dev.auditlog.server.tls.AccessPolicy.Permission;
import dev.auditlog.server.tls.CallerCheck;
import dev.auditlog.server.tree.LogTree;
import dev.auditlog.server.tree.TreeMismatchException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLPeerUnverifiedException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The log's Merkle tree as c2sp.org/tlog-tiles serves it, read-only over HTTPS, so that
 * monitors can follow the log with the tools of the transparency-log ecosystem: below
 * {@code /<log-id>/}, {@code checkpoint} (the newest signed checkpoint note, with its
 * witnesses' cosignatures), {@code tile/<L>/<N>[.p/<W>]} (hashes) and {@code
 * tile/entries/<N>[.p/<W>]} (entry bundles: the leaves' inputs, each the 32 bytes of an
 * entry hash behind a two-byte big-endian length). The entries themselves stay behind the
 * gRPC API.
 *
 * <p>Like the gRPC port it requires a client certificate, with an identity that may read
 * (the same identities, issuer bindings and CAs). Requests run on a small pool of their own.
 */
public final class TileServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(TileServer.class);
  private static final int ENTRY_BYTES = 32;

  private final HttpsServer server;
  private final ThreadPoolExecutor executor;
  private final String logId;
  private final Checkpointer checkpointer;
  private final TileStore tiles;
  private final CallerCheck callers;

  private TileServer(HttpsServer server, String logId, Checkpointer checkpointer,
      TileStore tiles, CallerCheck callers) {
    this.server = server;
    this.logId = logId;
    this.checkpointer = checkpointer;
    this.tiles = tiles;
    this.callers = callers;
    this.executor = new ThreadPoolExecutor(2, 2, 60, TimeUnit.SECONDS,
        new ArrayBlockingQueue<>(64), r -> new Thread(r, "tiles-http"),
        new ThreadPoolExecutor.AbortPolicy());
  }

  /**
   * Listens on {@code address} with {@code tls}, which must trust the client CAs.
   *
   * @throws IOException if the address cannot be bound
   */
  public static TileServer start(InetSocketAddress address, SSLContext tls, List<String> protocols,
      String logId, Checkpointer checkpointer, TileStore tiles, CallerCheck callers)
      throws IOException {
    HttpsServer https = HttpsServer.create(address, 64);
    https.setHttpsConfigurator(new HttpsConfigurator(tls) {
      @Override
      public void configure(HttpsParameters params) {
        SSLParameters p = tls.getDefaultSSLParameters();
        p.setNeedClientAuth(true);
        p.setProtocols(protocols.toArray(String[]::new));
        params.setSSLParameters(p);
      }
    });
    TileServer server = new TileServer(https, logId, checkpointer, tiles, callers);
    https.setExecutor(server.executor);
    https.createContext("/", server::handle);
    https.start();
    return server;
  }

  public int port() {
    return server.getAddress().getPort();
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      if (!exchange.getRequestMethod().equals("GET")) {
        exchange.getResponseHeaders().set("Allow", "GET");
        text(exchange, 405, "GET only\n");
        return;
      }
      if (callers.permitted(chain(exchange), Permission.READ) == null) {
        text(exchange, 403, "this certificate's identity may not read the log\n");
        return;
      }
      String prefix = "/" + logId + "/";
      String path = exchange.getRequestURI().getRawPath();
      if (!path.startsWith(prefix) || exchange.getRequestURI().getRawQuery() != null) {
        text(exchange, 404, "not found\n");
        return;
      }
      serve(exchange, path.substring(prefix.length()));
    } catch (StoreException e) {
      log.warn("tlog-tiles request failed: {}", e.getMessage());
      text(exchange, 503, "the store is unavailable; retry later\n");
    } catch (TreeMismatchException e) {
      text(exchange, 500, "the log's Merkle tree does not match its signed checkpoints\n");
    }
  }

  private void serve(HttpExchange exchange, String path)
      throws IOException, StoreException, TreeMismatchException {
    if (path.equals("checkpoint")) {
      Optional<Checkpoint> latest = checkpointer.latestTree();
      if (latest.isEmpty()) {
        text(exchange, 404, "no checkpoint yet\n");
      } else {
        exchange.getResponseHeaders().set("Cache-Control", "no-cache");
        text(exchange, 200, latest.get().getNote());
      }
      return;
    }
    Optional<TilePaths.Tile> tile = TilePaths.parse(path);
    Optional<byte[]> body = tile.isEmpty() ? Optional.empty()
        : tile.get().level() < 0 ? entries(tile.get()) : hashes(tile.get());
    if (body.isEmpty()) {
      text(exchange, 404, "not found\n");
      return;
    }
    exchange.getResponseHeaders().set("Content-Type", "application/octet-stream");
    exchange.getResponseHeaders().set("Cache-Control", tile.get().width() == 256
        ? "public, max-age=31536000, immutable" : "no-cache");
    send(exchange, 200, body.get());
  }

  private Optional<byte[]> hashes(TilePaths.Tile t)
      throws StoreException, TreeMismatchException {
    LogTree tree = checkpointer.tree();
    return tree.tile(t.level(), t.index(), t.width());
  }

  /** The bundle of leaf inputs, if the log holds all of them. */
  private Optional<byte[]> entries(TilePaths.Tile t) throws StoreException {
    List<Leaf> leaves = tiles.leaves(logId, t.index() * 256, t.width());
    if (leaves.size() != t.width()) {
      return Optional.empty();
    }
    byte[] bundle = new byte[t.width() * (2 + ENTRY_BYTES)];
    for (int i = 0; i < leaves.size(); i++) {
      int at = i * (2 + ENTRY_BYTES);
      bundle[at + 1] = ENTRY_BYTES;
      System.arraycopy(leaves.get(i).entryHash(), 0, bundle, at + 2, ENTRY_BYTES);
    }
    return Optional.of(bundle);
  }

  private static List<X509Certificate> chain(HttpExchange exchange) {
    if (!(exchange instanceof HttpsExchange https)) {
      return List.of();
    }
    try {
      List<X509Certificate> chain = new ArrayList<>();
      for (Certificate c : https.getSSLSession().getPeerCertificates()) {
        if (c instanceof X509Certificate x) {
          chain.add(x);
        }
      }
      return chain;
    } catch (SSLPeerUnverifiedException e) {
      return List.of();
    }
  }

  private static void text(HttpExchange exchange, int status, String body) throws IOException {
    exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
    send(exchange, status, body.getBytes(StandardCharsets.UTF_8));
  }

  private static void send(HttpExchange exchange, int status, byte[] body) throws IOException {
    exchange.sendResponseHeaders(status, body.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(body);
    }
  }

  @Override
  public void close() {
    server.stop(1);
    executor.shutdownNow();
  }
}
