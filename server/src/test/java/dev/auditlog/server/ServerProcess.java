package dev.auditlog.server;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The server jar run as a user runs it: {@code java -jar} (the test JVM's {@code java}) in a
 * child process whose working directory is the repository root, so the default
 * {@code certs-dev/} paths resolve. Its output (stdout and stderr together) is read on a
 * thread, kept for failure messages, and watched for the "listening" line.
 *
 * <p>The embedded PostgreSQL is not among the child's descendants once started ({@code pg_ctl}
 * daemonizes it, and init adopts it), so it is found through {@code postmaster.pid} in the
 * cluster directory ({@code <data-dir>/postgres}). {@link #kill()} stops both.
 *
 * <p>The jar is {@code server/target/audit-server-app.jar} unless the system property
 * {@code audit.server.jar} names another. Not thread-safe, except for the output.
 */
public final class ServerProcess {
  static final Path REPO_ROOT = TestCerts.DIR.getParent();
  static final Duration STOP_TIMEOUT = Duration.ofSeconds(30);

  private static final Pattern LISTENING =
      Pattern.compile("audit server listening on \\S+:(\\d+) \\(TLS provider BoringSSL, ");

  private final Process process;
  private final Path dataDir;
  private final List<String> lines = new ArrayList<>();
  private final CompletableFuture<Integer> port = new CompletableFuture<>();
  private final Thread reader;

  private ServerProcess(Process process, Path dataDir) {
    this.process = process;
    this.dataDir = dataDir;
    this.reader = new Thread(this::readOutput, "audit-server-output-" + process.pid());
    reader.setDaemon(true);
    reader.start();
  }

  /**
   * Starts the jar with {@code args}; {@code dataDir} is its data directory (where its
   * embedded PostgreSQL and its signing key live), passed as --data-dir unless args do.
   */
  public static ServerProcess start(Path dataDir, String... args) {
    return start(dataDir, List.of(), args);
  }

  /** Like {@link #start(Path, String...)}, with options for the JVM, e.g. {@code -Xmx256m}. */
  static ServerProcess start(Path dataDir, List<String> jvmOptions, String... args) {
    List<String> command = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString()));
    command.addAll(jvmOptions);
    command.addAll(List.of("-jar", serverJar().toString()));
    command.addAll(List.of(args));
    if (!command.contains("--data-dir")) {
      // Never the default ./data of the repository: a signing key generated there by a test
      // would keep `java -jar server/target/audit-server-app.jar` from starting afterwards.
      command.addAll(List.of("--data-dir", dataDir.toString()));
    }
    ProcessBuilder builder =
        new ProcessBuilder(command).directory(REPO_ROOT.toFile()).redirectErrorStream(true);
    // Only the flags configure the child: an AUDIT_DB_URL in the developer's shell must not.
    builder.environment().keySet().removeIf(name -> name.startsWith("AUDIT_"));
    try {
      return new ServerProcess(builder.start(), dataDir);
    } catch (IOException e) {
      throw new IllegalStateException("cannot run " + command, e);
    }
  }

  private static Path serverJar() {
    String configured = System.getProperty("audit.server.jar");
    Path jar = configured != null
        ? Path.of(configured) : REPO_ROOT.resolve("server/target/audit-server-app.jar");
    if (!Files.isRegularFile(jar)) {
      fail(jar + " missing: run 'mvn package' (mvn verify runs this test after it)");
    }
    return jar;
  }

  private void readOutput() {
    try (BufferedReader in =
        new BufferedReader(new InputStreamReader(process.getInputStream(), UTF_8))) {
      for (String line = in.readLine(); line != null; line = in.readLine()) {
        synchronized (lines) {
          lines.add(line);
        }
        Matcher m = LISTENING.matcher(line);
        if (m.find()) {
          port.complete(Integer.parseInt(m.group(1)));
        }
      }
    } catch (IOException e) {
      // The process was killed; its output ends here.
    }
    port.completeExceptionally(new IllegalStateException("output ended"));
  }

  /** Waits for the "listening" line; fails the test if the server exits first or is slow. */
  public void awaitListening(Duration timeout) {
    try {
      port.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      fail("no 'audit server listening' line within " + timeout + ":\n" + output());
    } catch (ExecutionException e) {
      fail("the server exited (" + awaitExit(Duration.ofSeconds(5)) + ") before listening:\n"
          + output());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      fail("interrupted waiting for the server");
    }
  }

  /** Whether the server process is still running. */
  boolean alive() {
    return process.isAlive();
  }

  /** The port from the "listening" line, or -1 before it. */
  public int port() {
    return port.getNow(-1);
  }

  /** Waits for the process to exit and its output to be read; returns the exit code. */
  int awaitExit(Duration timeout) {
    try {
      if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        fail("the server did not exit within " + timeout + ":\n" + output());
      }
      reader.join(Duration.ofSeconds(5).toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      fail("interrupted waiting for the server to exit");
    }
    return process.exitValue();
  }

  /** Sends SIGTERM, as a service manager would; returns the exit code. */
  int stopGracefully() {
    // Through the handle: Process.destroy() would also close our end of the output pipe and
    // lose what the shutdown hooks log.
    process.toHandle().destroy();
    return awaitExit(STOP_TIMEOUT);
  }

  /** Kills the JVM with SIGKILL, as {@code kill -9} does: no shutdown hook runs. */
  public void killNow() {
    process.toHandle().destroyForcibly();
    awaitExit(STOP_TIMEOUT);
  }

  /**
   * The running postmaster of this server's data directory ({@code postgres/postmaster.pid},
   * or at the top in the layout of earlier versions), if any.
   */
  Optional<ProcessHandle> postgres() {
    Path cluster = dataDir.resolve("postgres");
    return postgres(Files.exists(cluster) ? cluster : dataDir);
  }

  private static Optional<ProcessHandle> postgres(Path cluster) {
    try (Stream<String> pidFile = Files.lines(cluster.resolve("postmaster.pid"))) {
      return pidFile.findFirst()
          .flatMap(pid -> ProcessHandle.of(Long.parseLong(pid.trim())))
          .filter(ServerProcess::running)
          .filter(h -> h.info().command().map(c -> c.endsWith("postgres")).orElse(false));
    } catch (IOException | NumberFormatException e) {
      return Optional.empty();
    }
  }

  /**
   * Stops whatever of this server still runs: the JVM, then its descendants and its
   * PostgreSQL (found before the JVM goes), each with SIGTERM and, after a grace period,
   * SIGKILL. Of several servers on one data directory, kill the newest first: an older one
   * would take the newer one's PostgreSQL for its own.
   */
  public void kill() {
    List<ProcessHandle> rest = new ArrayList<>(process.descendants().toList());
    postgres().ifPresent(rest::add);
    terminate(process.toHandle());
    rest.forEach(ServerProcess::terminate);
  }

  private static void terminate(ProcessHandle handle) {
    if (running(handle)) {
      handle.destroy();
      if (!awaitStopped(handle, STOP_TIMEOUT)) {
        handle.destroyForcibly();
        awaitStopped(handle, Duration.ofSeconds(10));
      }
    }
  }

  /** Waits until {@code handle} no longer {@linkplain #running runs}; false on timeout. */
  static boolean awaitStopped(ProcessHandle handle, Duration timeout) {
    try {
      Await.until("process " + handle.pid() + " stopped", timeout, () -> !running(handle));
      return true;
    } catch (AssertionError timedOut) {
      return false;
    } catch (Exception interrupted) {
      Thread.currentThread().interrupt();
      return !running(handle);
    }
  }

  /**
   * Alive and not a zombie. A stopped PostgreSQL is no child of ours but of init, and stays a
   * zombie (which {@link ProcessHandle#isAlive} counts as alive) until init reaps it.
   */
  static boolean running(ProcessHandle handle) {
    if (!handle.isAlive()) {
      return false;
    }
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(handle.pid()), "stat"));
      return stat.charAt(stat.lastIndexOf(')') + 2) != 'Z';
    } catch (NoSuchFileException e) {
      return false;
    } catch (IOException | RuntimeException e) {
      return handle.isAlive(); // no /proc: trust isAlive
    }
  }

  /** The output so far, line by line. */
  List<String> lines() {
    synchronized (lines) {
      return List.copyOf(lines);
    }
  }

  /** The output so far. */
  public String output() {
    return String.join("\n", lines());
  }
}
