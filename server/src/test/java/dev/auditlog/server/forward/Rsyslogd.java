package dev.auditlog.server.forward;

import dev.auditlog.server.Await;
import dev.auditlog.server.TestCerts;
import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Debian's rsyslogd as a test's syslog receiver, with a configuration of its own: imtcp over
 * TLS (the rsyslog-openssl driver, certs-dev/server.pem, client certificates from
 * certs-dev/ca.pem required) on 127.0.0.1 only, each message's raw text written as a line of
 * one file. It runs in the foreground with its own pid file and work directory, and loads no
 * imuxsock or imklog, so it touches neither /dev/log nor /var/run.
 *
 * <p>The main queue is Direct: the input thread writes each message to the file before it
 * reads on, so the close it answers a sender with comes after the sender's messages are in
 * the file (rsyslog's default in-memory queue would still hold them, and lose them to kill
 * -9).
 */
final class Rsyslogd implements AutoCloseable {
  private final Path binary;
  private final Path config;
  private final Path pidFile;
  private final Path log;
  private final Path output;
  private final int port;
  private Process process;

  Rsyslogd(Path binary, Path dir, int port) throws IOException {
    this.binary = binary;
    this.config = dir.resolve("rsyslog.conf");
    this.pidFile = dir.resolve("rsyslogd.pid");
    this.log = dir.resolve("rsyslogd.log");
    this.output = dir.resolve("received.log");
    this.port = port;
    Path work = Files.createDirectories(dir.resolve("work"));
    Files.writeString(config, config(work), StandardCharsets.UTF_8);
  }

  int port() {
    return port;
  }

  /** rsyslogd on the PATH, or in /usr/sbin or /sbin; empty if it is not installed. */
  static Optional<Path> binary() {
    List<Path> candidates = new ArrayList<>();
    for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      candidates.add(Path.of(dir, "rsyslogd"));
    }
    candidates.add(Path.of("/usr/sbin/rsyslogd"));
    candidates.add(Path.of("/sbin/rsyslogd"));
    return candidates.stream().filter(Files::isExecutable).findFirst();
  }

  private String config(Path work) {
    return String.join("\n",
        "global(workDirectory=\"" + work + "\" maxMessageSize=\"64k\"",
        "  parser.escapeControlCharactersOnReceive=\"off\"",
        "  defaultNetstreamDriver=\"ossl\"",
        "  defaultNetstreamDriverCAFile=\"" + TestCerts.pem("ca") + "\"",
        "  defaultNetstreamDriverCertFile=\"" + TestCerts.pem("server") + "\"",
        "  defaultNetstreamDriverKeyFile=\"" + TestCerts.key("server") + "\")",
        "main_queue(queue.type=\"Direct\")",
        "module(load=\"imtcp\" streamDriver.name=\"ossl\" streamDriver.mode=\"1\"",
        "  streamDriver.authMode=\"x509/certvalid\")",
        "template(name=\"raw\" type=\"string\" string=\"%rawmsg%\\n\")",
        "ruleset(name=\"audit\") {",
        "  action(type=\"omfile\" file=\"" + output + "\" template=\"raw\")",
        "}",
        "input(type=\"imtcp\" address=\"127.0.0.1\" port=\"" + port + "\" ruleset=\"audit\")",
        "");
  }

  /** {@code rsyslogd -N1}: the configuration's check; its output if it fails. */
  Optional<String> checkConfig() throws IOException, InterruptedException {
    Process check = new ProcessBuilder(binary.toString(), "-N1", "-f", config.toString())
        .redirectErrorStream(true).start();
    String out = new String(check.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    return check.waitFor() == 0 && !out.contains("error") ? Optional.empty() : Optional.of(out);
  }

  /** Starts rsyslogd in the foreground and waits until it accepts connections. */
  void start() throws Exception {
    Files.deleteIfExists(pidFile); // left behind by kill -9
    process = new ProcessBuilder(binary.toString(), "-n", "-f", config.toString(), "-i",
        pidFile.toString()).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
    Await.until("rsyslogd listens on port " + port + " (its log: " + log + ")",
        Duration.ofSeconds(30), () -> {
          if (!process.isAlive()) {
            throw new AssertionError("rsyslogd exited with " + process.exitValue() + ": "
                + Files.readString(log));
          }
          return accepts();
        });
  }

  private boolean accepts() {
    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
      return true;
    } catch (IOException notYet) {
      return false;
    }
  }

  /**
   * SIGKILL, the signal of {@code kill -9}, sent by the JVM itself (not by a {@code kill}
   * process, which takes milliseconds to start), and waits until the process is gone.
   */
  void killNine() throws InterruptedException {
    process.destroyForcibly(); // SIGKILL on Linux
    if (!process.waitFor(30, TimeUnit.SECONDS)) {
      throw new AssertionError("SIGKILL did not end rsyslogd " + process.pid());
    }
  }

  /** The lines of the output file so far. */
  List<String> lines() throws IOException {
    if (!Files.exists(output)) {
      return List.of();
    }
    try (Stream<String> lines = Files.lines(output, StandardCharsets.UTF_8)) {
      return lines.toList();
    }
  }

  /** How many lines the output file has, counted without decoding it. */
  long lineCount() throws IOException {
    if (!Files.exists(output)) {
      return 0;
    }
    byte[] bytes = Files.readAllBytes(output);
    long n = 0;
    for (byte b : bytes) {
      if (b == '\n') {
        n++;
      }
    }
    return n;
  }

  /** Stops rsyslogd with SIGTERM (SIGKILL if it does not end within 10 s). */
  @Override
  public void close() throws InterruptedException {
    if (process != null && process.isAlive()) {
      process.destroy();
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    }
  }
}
