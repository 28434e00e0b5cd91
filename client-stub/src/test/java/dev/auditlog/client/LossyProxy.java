package dev.auditlog.client;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP proxy on a loopback port that can lose the server's answers: after {@link
 * #loseAnswers()}, the connections open at that moment still carry the client's bytes to the
 * server but no longer the server's back, until {@link #cutLosingConnections()} closes them.
 * Connections opened later are forwarded both ways. TLS passes through untouched.
 */
final class LossyProxy implements AutoCloseable {
  private final ServerSocket listener;
  private final int upstreamPort;
  private final List<Link> links = new ArrayList<>();
  private final AtomicInteger accepted = new AtomicInteger();

  LossyProxy(int upstreamPort) throws IOException {
    this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    this.upstreamPort = upstreamPort;
    Thread acceptor = new Thread(this::accept, "proxy-accept");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  int port() {
    return listener.getLocalPort();
  }

  /** How many client connections the proxy has accepted. */
  int connections() {
    return accepted.get();
  }

  /** From now on, the server's bytes on the connections open now are dropped. */
  void loseAnswers() {
    synchronized (links) {
      links.forEach(l -> l.losing = true);
    }
  }

  /** Closes the connections whose answers are being lost. */
  void cutLosingConnections() {
    synchronized (links) {
      links.stream().filter(l -> l.losing).forEach(Link::close);
    }
  }

  private void accept() {
    while (!listener.isClosed()) {
      try {
        Socket client = listener.accept();
        accepted.incrementAndGet();
        Socket server = new Socket(InetAddress.getLoopbackAddress(), upstreamPort);
        Link link = new Link(client, server);
        synchronized (links) {
          links.add(link);
        }
        link.start();
      } catch (IOException e) {
        return;
      }
    }
  }

  @Override
  public void close() throws IOException {
    listener.close();
    synchronized (links) {
      links.forEach(Link::close);
    }
  }

  /** One proxied connection: a thread for each direction. */
  private static final class Link {
    private final Socket client;
    private final Socket server;
    volatile boolean losing;

    Link(Socket client, Socket server) {
      this.client = client;
      this.server = server;
    }

    void start() {
      pump(client, server, false);
      pump(server, client, true);
    }

    private void pump(Socket from, Socket to, boolean answers) {
      Thread t = new Thread(() -> {
        byte[] buffer = new byte[16 * 1024];
        try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
          int n;
          while ((n = in.read(buffer)) >= 0) {
            if (!(answers && losing)) {
              out.write(buffer, 0, n);
              out.flush();
            }
          }
        } catch (IOException e) {
          // The other side or the test closed the connection.
        } finally {
          close();
        }
      }, answers ? "proxy-answers" : "proxy-requests");
      t.setDaemon(true);
      t.start();
    }

    void close() {
      closeQuietly(client);
      closeQuietly(server);
    }

    private static void closeQuietly(Socket s) {
      try {
        s.close();
      } catch (IOException ignored) {
        // Already closed.
      }
    }
  }
}
