package dev.auditlog.server.forward;

import dev.auditlog.server.TestCerts;
import dev.auditlog.server.tls.PemFiles;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;

/**
 * A syslog receiver on loopback for one test: takes one connection at a time, reads its
 * octet-counted frames until the sender closes, and then ends the connection as {@link
 * #ending} says: in answer (TLS close_notify and FIN), as a process that died (FIN only), or
 * never (until the receiver is closed).
 */
final class FakeSyslogReceiver implements AutoCloseable {
  enum Ending { ANSWER, DIE, NEVER }

  final List<String> messages = new CopyOnWriteArrayList<>();
  volatile Ending ending = Ending.ANSWER;
  private final ServerSocket server;
  private final SSLContext tls;
  private final CountDownLatch closed = new CountDownLatch(1);

  /** @param tls with the development server certificate, or null for plain TCP */
  FakeSyslogReceiver(SSLContext tls) throws IOException {
    this.tls = tls;
    this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread t = new Thread(this::serve, "fake-syslog-receiver");
    t.setDaemon(true);
    t.start();
  }

  /** TLS with certs-dev/server.pem (localhost, 127.0.0.1), issued by certs-dev/ca.pem. */
  static SSLContext serverTls() throws IOException, GeneralSecurityException {
    KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
    store.load(null, null);
    store.setKeyEntry("server", PemFiles.privateKey(TestCerts.key("server")), new char[0],
        PemFiles.certificates(TestCerts.pem("server")).toArray(X509Certificate[]::new));
    KeyManagerFactory keys = KeyManagerFactory.getInstance(
        KeyManagerFactory.getDefaultAlgorithm());
    keys.init(store, new char[0]);
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(keys.getKeyManagers(), null, null);
    return context;
  }

  int port() {
    return server.getLocalPort();
  }

  private void serve() {
    while (!server.isClosed()) {
      try (Socket raw = server.accept()) {
        handle(raw);
      } catch (IOException | InterruptedException e) {
        // this connection is over; take the next one
      }
    }
  }

  private void handle(Socket raw) throws IOException, InterruptedException {
    Socket s = raw;
    if (tls != null) {
      SSLSocket ssl = (SSLSocket) tls.getSocketFactory().createSocket(raw, null, raw.getPort(),
          false);
      ssl.setUseClientMode(false);
      ssl.startHandshake();
      s = ssl;
    }
    readFrames(s.getInputStream());
    switch (ending) {
      case ANSWER -> s.close();
      case DIE -> raw.close();
      case NEVER -> closed.await();
    }
  }

  private void readFrames(InputStream in) throws IOException {
    DataInputStream data = new DataInputStream(in);
    while (true) {
      int length = 0;
      int c = data.read();
      if (c < 0) {
        return;
      }
      for (; c != ' '; c = data.read()) {
        if (c < '0' || c > '9') {
          throw new IOException("not an octet count: " + c);
        }
        length = length * 10 + (c - '0');
      }
      byte[] message = new byte[length];
      try {
        data.readFully(message);
      } catch (EOFException e) {
        throw new IOException("frame cut short", e);
      }
      messages.add(new String(message, StandardCharsets.UTF_8));
    }
  }

  @Override
  public void close() throws IOException {
    closed.countDown();
    server.close();
  }
}
