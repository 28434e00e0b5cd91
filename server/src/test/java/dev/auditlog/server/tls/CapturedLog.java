package dev.auditlog.server.tls;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.function.Predicate;

/**
 * What the server logs (logback's console appender writes to {@code System.err}, looked up at
 * each write) while this is open, still passed on to the real standard error. {@link
 * #awaitLine} waits on the log itself, not on a clock.
 */
final class CapturedLog implements AutoCloseable {
  private final PrintStream original = System.err;
  private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

  CapturedLog() {
    System.setErr(new PrintStream(new Tee(), true, StandardCharsets.UTF_8));
  }

  /** The lines logged so far. */
  List<String> lines() {
    synchronized (bytes) {
      return bytes.toString(StandardCharsets.UTF_8).lines().toList();
    }
  }

  /** The lines logged so far that {@code match}. */
  List<String> lines(Predicate<String> match) {
    return lines().stream().filter(match).toList();
  }

  /** Waits until a logged line matches; fails the test after {@code timeout}. */
  String awaitLine(Predicate<String> match, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (bytes) {
      while (true) {
        List<String> found = lines(match);
        if (!found.isEmpty()) {
          return found.get(0);
        }
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          fail("no matching log line within " + timeout + " in:\n" + String.join("\n", lines()));
        }
        bytes.wait(Math.max(1, left / 1_000_000));
      }
    }
  }

  @Override
  public void close() {
    System.setErr(original);
  }

  /** Keeps what is written and wakes {@link #awaitLine}. */
  private final class Tee extends OutputStream {
    @Override
    public void write(int b) {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) {
      synchronized (bytes) {
        bytes.write(b, off, len);
        bytes.notifyAll();
      }
      original.write(b, off, len);
    }
  }
}
