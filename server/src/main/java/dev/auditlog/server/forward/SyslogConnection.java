package dev.auditlog.server.forward;

import java.io.BufferedOutputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.Enumeration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSessionContext;
import javax.net.ssl.SSLSocket;

/**
 * One connection to a syslog receiver, for one delivery: TLS (RFC 5425) or plain TCP, frames
 * written, and then {@link #finish()}, which is the only acknowledgement syslog has: we close
 * our side and the receiver must close its side in answer.
 *
 * <p>Over TLS the answer must be the receiver's own {@code close_notify} followed by the end
 * of the TCP stream. A receiver's TLS layer reads records in order, so its {@code
 * close_notify} in answer to ours shows that its process read every byte before ours; a
 * receiver that died sends none (its kernel sends only a FIN, or a reset if our bytes were
 * still unread), and one that stopped sends nothing. The JDK's {@code SSLSocket} reports the
 * bare end of a TCP stream as a close, so the TCP stream under it is watched to tell the two
 * apart. Over plain TCP only the end of the stream can answer, which a receiver that died
 * after reading everything sends as well.
 *
 * <p>Every step ends by the deadline: a watchdog closes the socket when it passes, which
 * also ends a write that the receiver's full window blocks. Used by one thread.
 */
final class SyslogConnection implements AutoCloseable {
  private final WatchedSocket tcp;
  private final Socket socket;
  private final OutputStream out;
  private final long deadline;
  private final ScheduledFuture<?> watchdog;

  private SyslogConnection(WatchedSocket tcp, Socket socket, long deadline,
      ScheduledFuture<?> watchdog) throws IOException {
    this.tcp = tcp;
    this.socket = socket;
    this.out = new BufferedOutputStream(socket.getOutputStream(), 64 * 1024);
    this.deadline = deadline;
    this.watchdog = watchdog;
  }

  /**
   * Connects to {@code host:port} and, with {@code tls} (null: plain TCP), completes the
   * handshake, checking the receiver's certificate and its name.
   *
   * @param deadline in {@link System#nanoTime()}, when the watchdog closes the connection
   * @throws IOException if the receiver cannot be reached or the handshake fails
   */
  static SyslogConnection open(String host, int port, SSLContext tls, long deadline,
      ScheduledExecutorService timer) throws IOException {
    WatchedSocket tcp = new WatchedSocket();
    ScheduledFuture<?> watchdog = timer.schedule(tcp::closeQuietly,
        Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
    try {
      tcp.connect(new InetSocketAddress(host, port), remainingMillis(deadline));
      tcp.setSoTimeout(remainingMillis(deadline));
      Socket socket = tcp;
      if (tls != null) {
        forgetSessions(tls);
        SSLSocket ssl = (SSLSocket) tls.getSocketFactory().createSocket(tcp, host, port, true);
        SSLParameters parameters = ssl.getSSLParameters();
        parameters.setEndpointIdentificationAlgorithm("HTTPS");
        ssl.setSSLParameters(parameters);
        ssl.startHandshake();
        socket = ssl;
      }
      return new SyslogConnection(tcp, socket, deadline, watchdog);
    } catch (IOException | RuntimeException e) {
      watchdog.cancel(false);
      tcp.closeQuietly();
      throw e;
    }
  }

  /**
   * Makes the next handshake a full one. rsyslog's OpenSSL driver refuses to resume a session
   * when it asks for client certificates ("session id context uninitialized", an
   * internal_error alert), and this destination connects once per delivery, so every other
   * delivery would fail. The context is this destination's own.
   */
  private static void forgetSessions(SSLContext tls) {
    SSLSessionContext sessions = tls.getClientSessionContext();
    for (Enumeration<byte[]> ids = sessions.getIds(); ids.hasMoreElements(); ) {
      SSLSession session = sessions.getSession(ids.nextElement());
      if (session != null) {
        session.invalidate();
      }
    }
  }

  /** Writes {@code frame} (buffered). */
  void write(byte[] frame) throws IOException {
    out.write(frame);
  }

  /**
   * Flushes, closes our side, and waits until the receiver closes its side in answer: returns
   * normally only if it did (see the class comment); then everything written is proved read.
   *
   * @throws IOException if the receiver did not answer so by the deadline, or reset the
   *     connection; what was written may or may not have been read
   */
  void finish() throws IOException {
    out.flush();
    socket.shutdownOutput(); // TLS: close_notify, then FIN
    socket.setSoTimeout(remainingMillis(deadline));
    try {
      drain(socket.getInputStream());
      if (socket != tcp) {
        if (tcp.ended) {
          throw new IOException("the receiver closed the TCP connection without a TLS"
              + " close_notify (it may have died)");
        }
        drain(tcp.getInputStream());
      }
    } catch (SocketTimeoutException e) {
      throw new IOException("the receiver did not close its side within the timeout", e);
    }
  }

  /** Reads until the end of the stream; a syslog receiver sends no data. */
  private static void drain(InputStream in) throws IOException {
    byte[] ignored = new byte[512];
    while (in.read(ignored) >= 0) {
      // discard
    }
  }

  @Override
  public void close() {
    watchdog.cancel(false);
    try {
      socket.close();
    } catch (IOException e) {
      // closing after a failure or after the receiver closed: nothing left to do
    }
    tcp.closeQuietly();
  }

  private static int remainingMillis(long deadline) throws SocketTimeoutException {
    long ms = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
    if (ms <= 0) {
      throw new SocketTimeoutException("the delivery's timeout passed");
    }
    return (int) Math.min(Integer.MAX_VALUE, ms);
  }

  /** A TCP socket that notes when its input stream reaches the end (a FIN). */
  private static final class WatchedSocket extends Socket {
    private volatile boolean ended;
    private InputStream in;

    @Override
    public synchronized InputStream getInputStream() throws IOException {
      if (in == null) {
        in = new FilterInputStream(super.getInputStream()) {
          @Override
          public int read() throws IOException {
            return noteEnd(super.read());
          }

          @Override
          public int read(byte[] b, int off, int len) throws IOException {
            return noteEnd(super.read(b, off, len));
          }
        };
      }
      return in;
    }

    private int noteEnd(int n) {
      if (n < 0) {
        ended = true;
      }
      return n;
    }

    void closeQuietly() {
      try {
        close();
      } catch (IOException e) {
        // already closed or broken
      }
    }
  }
}
