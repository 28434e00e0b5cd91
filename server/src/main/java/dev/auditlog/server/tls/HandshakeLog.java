package dev.auditlog.server.tls;

import dev.auditlog.server.metrics.AuditMetrics;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.Channel;
import io.grpc.netty.shaded.io.netty.channel.ChannelHandlerContext;
import io.grpc.netty.shaded.io.netty.channel.ChannelInboundHandlerAdapter;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.nio.NioEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioServerSocketChannel;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslHandler;
import io.grpc.netty.shaded.io.netty.util.concurrent.DefaultThreadFactory;
import io.grpc.netty.shaded.io.netty.util.concurrent.Future;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Logs each refused TLS handshake once, with the peer's address and the reason ({@code
 * refused TLS handshake from /203.0.113.7:51234: no client certificate}), and never key
 * material; like refusals from one host (same reason) at most once per {@link
 * LogThrottle#INTERVAL}, the next such line counting those left out. gRPC gives no hook for
 * failed handshakes, so the server's own channel type puts a watcher at the head of each
 * accepted connection: it tells the trust manager which peer it is checking (a refused
 * certificate adds its subject, issuer and serial) and reports a failed handshake when the
 * connection closes.
 *
 * <p>{@link #install} makes the server use NIO event loops that {@link #close} shuts down.
 */
public final class HandshakeLog implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(HandshakeLog.class);
  private static final ThreadLocal<Attempt> CURRENT = new ThreadLocal<>();

  /** The {@code reason} label of a refusal: its leading words, and the label. */
  private static final Map<String, String> CATEGORIES = categories();

  private final EventLoopGroup boss;
  private final EventLoopGroup workers;
  private final Refused refused;

  private HandshakeLog(EventLoopGroup boss, EventLoopGroup workers, AuditMetrics metrics) {
    this.boss = boss;
    this.workers = workers;
    this.refused = new Refused(LogThrottle.standard(), metrics);
  }

  /**
   * Sets {@code builder}'s channel type and event loops; close the result after the server.
   * Every refused handshake, logged or not, is counted in {@code metrics} by {@link #category}.
   */
  public static HandshakeLog install(NettyServerBuilder builder, AuditMetrics metrics) {
    HandshakeLog handshakes = new HandshakeLog(
        new NioEventLoopGroup(1, new DefaultThreadFactory("audit-accept", true)),
        new NioEventLoopGroup(0, new DefaultThreadFactory("audit-network", true)), metrics);
    builder.channelFactory(() -> new WatchingServerChannel(handshakes.refused))
        .bossEventLoopGroup(handshakes.boss)
        .workerEventLoopGroup(handshakes.workers);
    return handshakes;
  }

  /**
   * Records why the certificate of the handshake running on this thread is refused; false
   * when no handshake is being watched here (the caller then logs it itself).
   */
  static boolean refuse(String reason) {
    Attempt attempt = CURRENT.get();
    if (attempt == null) {
      return false;
    }
    attempt.refusal = reason;
    return true;
  }

  @Override
  public void close() {
    Future<?> b = boss.shutdownGracefully(0, 5, TimeUnit.SECONDS);
    Future<?> w = workers.shutdownGracefully(0, 5, TimeUnit.SECONDS);
    b.awaitUninterruptibly(10, TimeUnit.SECONDS);
    w.awaitUninterruptibly(10, TimeUnit.SECONDS);
  }

  /**
   * Like refusals share a key: the peer's host (not its port, which changes with every
   * attempt) and the reason without its details in parentheses (serials, dates).
   */
  static String throttleKey(Object peer, String refusal) {
    String host = peer instanceof InetSocketAddress a && a.getAddress() != null
        ? a.getAddress().getHostAddress() : String.valueOf(peer);
    int details = refusal.indexOf(" (");
    return "handshake|" + host + "|" + (details < 0 ? refusal : refusal.substring(0, details));
  }

  /**
   * The kind of a refusal, from a fixed set (the metrics' {@code reason} label): {@code
   * no_client_certificate}, {@code certificate_expired}, {@code certificate_not_yet_valid},
   * {@code certificate_revoked}, {@code untrusted_ca}, {@code not_a_client_certificate}, {@code
   * tls_version}, {@code server_certificate_refused}, {@code plain_http}, {@code
   * no_shared_cipher}, or {@code other}.
   */
  static String category(String refusal) {
    for (Map.Entry<String, String> c : CATEGORIES.entrySet()) {
      if (refusal.startsWith(c.getKey())) {
        return c.getValue();
      }
    }
    return "other";
  }

  private static Map<String, String> categories() {
    Map<String, String> c = new LinkedHashMap<>();
    c.put("no client certificate", "no_client_certificate");
    c.put("certificate expired", "certificate_expired");
    c.put("certificate not yet valid", "certificate_not_yet_valid");
    c.put("certificate revoked", "certificate_revoked");
    c.put("not issued by a trusted CA", "untrusted_ca");
    c.put("not a client certificate", "not_a_client_certificate");
    c.put("TLS version not allowed", "tls_version");
    c.put("the client refused the server's certificate", "server_certificate_refused");
    c.put("plain HTTP instead of TLS", "plain_http");
    c.put("no cipher or group in common", "no_shared_cipher");
    return Collections.unmodifiableMap(c);
  }

  /** Words for the errors BoringSSL reports most, with its own text kept after them. */
  static String reason(Throwable failure) {
    Throwable t = failure;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    String detail = String.valueOf(t.getMessage());
    if (detail.contains("PEER_DID_NOT_RETURN_A_CERTIFICATE")) {
      return "no client certificate";
    }
    if (detail.contains("UNSUPPORTED_PROTOCOL") || detail.contains("WRONG_VERSION_NUMBER")) {
      return "TLS version not allowed (" + detail + ")";
    }
    if (detail.contains("ALERT_CERTIFICATE_UNKNOWN") || detail.contains("ALERT_UNKNOWN_CA")
        || detail.contains("ALERT_BAD_CERTIFICATE")) {
      return "the client refused the server's certificate (" + detail + ")";
    }
    if (detail.contains("HTTP_REQUEST")) {
      return "plain HTTP instead of TLS";
    }
    if (detail.contains("NO_SHARED_CIPHER") || detail.contains("NO_SHARED_GROUP")) {
      return "no cipher or group in common (" + detail + ")";
    }
    return detail;
  }

  /** What is known of one connection's handshake. */
  private static final class Attempt {
    volatile String refusal;
  }

  /** Counts every refused handshake, and logs those its throttle admits. */
  private record Refused(LogThrottle throttle, AuditMetrics metrics) {
    void report(SocketAddress peer, String refusal) {
      metrics.handshakeRefused(category(refusal));
      long leftOut = throttle.admit(throttleKey(peer, refusal));
      if (leftOut >= 0) {
        log.warn("refused TLS handshake from {}: {}{}", peer, refusal, LogThrottle.note(leftOut));
      }
    }
  }

  /** Accepts connections as NIO does, each with a {@link Watcher} first in its pipeline. */
  private static final class WatchingServerChannel extends NioServerSocketChannel {
    private final Refused refused;

    WatchingServerChannel(Refused refused) {
      this.refused = refused;
    }

    @Override
    protected int doReadMessages(List<Object> accepted) throws Exception {
      int before = accepted.size();
      int n = super.doReadMessages(accepted);
      for (int i = before; i < accepted.size(); i++) {
        ((Channel) accepted.get(i)).pipeline().addFirst("handshake-log", new Watcher(refused));
      }
      return n;
    }
  }

  /** Watches one connection until its handshake is done. */
  private static final class Watcher extends ChannelInboundHandlerAdapter {
    private final Attempt attempt = new Attempt();
    private final Refused refused;

    Watcher(Refused refused) {
      this.refused = refused;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      CURRENT.set(attempt);
      try {
        ctx.fireChannelRead(msg);
      } finally {
        CURRENT.remove();
      }
      SslHandler ssl = ctx.pipeline().get(SslHandler.class);
      if (ssl != null && ssl.handshakeFuture().isSuccess() && ctx.pipeline().context(this) != null) {
        ctx.pipeline().remove(this);
      }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      report(ctx.channel().remoteAddress(), ctx.pipeline().get(SslHandler.class));
      ctx.fireChannelInactive();
    }

    private void report(SocketAddress peer, SslHandler ssl) {
      Throwable failure = ssl == null ? null : ssl.handshakeFuture().cause();
      String refusal = attempt.refusal;
      if (refusal == null && failure instanceof javax.net.ssl.SSLHandshakeException) {
        refusal = LogText.of(reason(failure));
      }
      if (refusal == null) {
        log.debug("connection from {} closed before its TLS handshake completed", peer);
        return;
      }
      refused.report(peer, refusal);
    }
  }
}
