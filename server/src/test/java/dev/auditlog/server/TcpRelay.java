package dev.auditlog.server;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;

/**
 * A TCP relay on a loopback port, put between the server and PostgreSQL to inject network
 * faults: {@link #pause()} holds every byte both ways (a hung database: connections stay
 * open, nothing answers), {@link #reset()} aborts every open connection with a TCP reset,
 * {@link #delay} slows every chunk, and {@link #upstream} points new connections at another
 * port (a restarted database). Connections made while paused are accepted and held too.
 */
public final class TcpRelay implements AutoCloseable {
  private final ServerSocket listener;
  private final List<Link> links = new ArrayList<>();
  private final Object gate = new Object();
  private volatile int upstreamPort;
  private volatile long delayMillis;
  private final java.util.concurrent.atomic.AtomicInteger accepted =
      new java.util.concurrent.atomic.AtomicInteger();
  private boolean paused;

  public TcpRelay(int upstreamPort) throws IOException {
    this.listener = new ServerSocket(0, 100, InetAddress.getLoopbackAddress());
    this.upstreamPort = upstreamPort;
    Thread acceptor = new Thread(this::accept, "relay-accept");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  public int port() {
    return listener.getLocalPort();
  }

  /** How many connections the relay has accepted. */
  public int connections() {
    return accepted.get();
  }

  /** Sends new connections to {@code port} on loopback. */
  public void upstream(int port) {
    this.upstreamPort = port;
  }

  /** Waits {@code millis} before forwarding each chunk, both ways; 0 for none. */
  public void delay(long millis) {
    this.delayMillis = millis;
  }

  /** Stops forwarding bytes until {@link #resume()}. */
  public void pause() {
    synchronized (gate) {
      paused = true;
    }
  }

  public void resume() {
    synchronized (gate) {
      paused = false;
      gate.notifyAll();
    }
  }

  /** Aborts every open connection with a TCP reset (RST), as a failing network would. */
  public void reset() {
    List<Link> open;
    synchronized (links) {
      open = new ArrayList<>(links);
      links.clear();
    }
    open.forEach(Link::abort);
  }

  private void awaitOpen() throws InterruptedException {
    synchronized (gate) {
      while (paused) {
        gate.wait();
      }
    }
    long d = delayMillis;
    if (d > 0) {
      Thread.sleep(d); // the injected fault itself: a slow network
    }
  }

  private void accept() {
    while (!listener.isClosed()) {
      try {
        Socket client = listener.accept();
        accepted.incrementAndGet();
        Thread t = new Thread(() -> connect(client), "relay-connect");
        t.setDaemon(true);
        t.start();
      } catch (IOException e) {
        return;
      }
    }
  }

  private void connect(Socket client) {
    try {
      awaitOpen();
      Socket server = new Socket(InetAddress.getLoopbackAddress(), upstreamPort);
      Link link = new Link(client, server);
      synchronized (links) {
        links.add(link);
      }
      link.pump(client, server);
      link.pump(server, client);
    } catch (IOException | InterruptedException e) {
      abort(client);
    }
  }

  @Override
  public void close() throws IOException {
    listener.close();
    resume();
    reset();
  }

  private final class Link {
    private final Socket client;
    private final Socket server;

    Link(Socket client, Socket server) {
      this.client = client;
      this.server = server;
    }

    void pump(Socket from, Socket to) {
      Thread t = new Thread(() -> {
        byte[] buffer = new byte[16 * 1024];
        try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
          int n;
          while ((n = in.read(buffer)) >= 0) {
            awaitOpen();
            out.write(buffer, 0, n);
            out.flush();
          }
        } catch (IOException | InterruptedException e) {
          // Reset by the test or closed by either side.
        } finally {
          abort();
        }
      }, "relay-pump");
      t.setDaemon(true);
      t.start();
    }

    void abort() {
      TcpRelay.abort(client);
      TcpRelay.abort(server);
    }
  }

  private static void abort(Socket s) {
    try {
      s.setSoLinger(true, 0);
      s.close();
    } catch (IOException ignored) {
      // Already closed.
    }
  }
}
