package dev.auditlog.server.tls;

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
import java.util.List;
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

  private final EventLoopGroup boss;
  private final EventLoopGroup workers;
  private final LogThrottle throttle = LogThrottle.standard();

  private HandshakeLog(EventLoopGroup boss, EventLoopGroup workers) {
    this.boss = boss;
    this.workers = workers;
  }

  /** Sets {@code builder}'s channel type and event loops; close the result after the server. */
  public static HandshakeLog install(NettyServerBuilder builder) {
    HandshakeLog handshakes = new HandshakeLog(
        new NioEventLoopGroup(1, new DefaultThreadFactory("audit-accept", true)),
        new NioEventLoopGroup(0, new DefaultThreadFactory("audit-network", true)));
    builder.channelFactory(() -> new WatchingServerChannel(handshakes.throttle))
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

  /** Accepts connections as NIO does, each with a {@link Watcher} first in its pipeline. */
  private static final class WatchingServerChannel extends NioServerSocketChannel {
    private final LogThrottle throttle;

    WatchingServerChannel(LogThrottle throttle) {
      this.throttle = throttle;
    }

    @Override
    protected int doReadMessages(List<Object> accepted) throws Exception {
      int before = accepted.size();
      int n = super.doReadMessages(accepted);
      for (int i = before; i < accepted.size(); i++) {
        ((Channel) accepted.get(i)).pipeline().addFirst("handshake-log", new Watcher(throttle));
      }
      return n;
    }
  }

  /** Watches one connection until its handshake is done. */
  private static final class Watcher extends ChannelInboundHandlerAdapter {
    private final Attempt attempt = new Attempt();
    private final LogThrottle throttle;

    Watcher(LogThrottle throttle) {
      this.throttle = throttle;
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
      long leftOut = throttle.admit(throttleKey(peer, refusal));
      if (leftOut >= 0) {
        log.warn("refused TLS handshake from {}: {}{}", peer, refusal, LogThrottle.note(leftOut));
      }
    }
  }
}
