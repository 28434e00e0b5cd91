package dev.auditlog.client.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The audit server jar run as a child process, as a user runs it, with the embedded
 * PostgreSQL in a fresh temporary data directory, a heap limit, and a GC log from which
 * the peak heap is read. {@link #close()} stops it the way Ctrl-C does and deletes nothing
 * but what it created.
 */
final class ServerProcess implements AutoCloseable {
  private static final Pattern PG_PORT = Pattern.compile("embedded PostgreSQL on [^:]+:(\\d+)");
  private static final Pattern LISTENING =
      Pattern.compile("audit server listening on [^:]+:(\\d+)");
  private static final Pattern GC_HEAP = Pattern.compile("(\\d+)M->(\\d+)M\\((\\d+)M\\)");

  private final Process process;
  private final Path dir;
  private final boolean keep;
  private final int port;
  private final int postgresPort;

  private ServerProcess(Process process, Path dir, boolean keep, int port, int postgresPort) {
    this.process = process;
    this.dir = dir;
    this.keep = keep;
    this.port = port;
    this.postgresPort = postgresPort;
  }

  /**
   * Starts {@code jar} with the certificates in {@code certs}, {@code heapMb} of heap and
   * {@code extraArgs}, and waits until it listens.
   *
   * @throws IOException if it does not start within two minutes
   */
  static ServerProcess start(Path jar, Path certs, int heapMb, List<String> extraArgs)
      throws IOException {
    return start(jar, certs, heapMb, extraArgs, null);
  }

  /**
   * Like {@link #start(Path, Path, int, List)}, with the server's state in {@code keepDir}
   * (its {@code data/}), which is kept, and used again if it holds a server's state, when it
   * is not null.
   */
  static ServerProcess start(Path jar, Path certs, int heapMb, List<String> extraArgs,
      Path keepDir) throws IOException {
    Path dir = keepDir != null ? Files.createDirectories(keepDir)
        : Files.createTempDirectory("audit-bench-");
    List<String> cmd = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx" + heapMb + "m", "-Xlog:gc:file=" + dir.resolve("gc.log"),
        "-jar", jar.toAbsolutePath().toString(), "--port", "0",
        "--data-dir", dir.resolve("data").toString(),
        "--cert", certs.resolve("server.pem").toString(),
        "--key", certs.resolve("server.key").toString(),
        "--ca", certs.resolve("ca.pem").toString()));
    cmd.addAll(extraArgs);
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
        .redirectInput(ProcessBuilder.Redirect.PIPE).start();
    CompletableFuture<int[]> ports = new CompletableFuture<>();
    Thread reader = new Thread(() -> follow(p, dir.resolve("server.log"), ports), "server-log");
    reader.setDaemon(true);
    reader.start();
    try {
      int[] both = ports.get(2, TimeUnit.MINUTES);
      return new ServerProcess(p, dir, keepDir != null, both[1], both[0]);
    } catch (ExecutionException | TimeoutException e) {
      p.destroyForcibly();
      throw new IOException("the server did not start; see " + dir.resolve("server.log"), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      p.destroyForcibly();
      throw new IOException("interrupted while the server started", e);
    }
  }

  /** Copies the server's output to {@code logFile}, completing {@code ports} when ready. */
  private static void follow(Process p, Path logFile, CompletableFuture<int[]> ports) {
    int pgPort = -1;
    try (BufferedReader in = new BufferedReader(
            new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        var out = Files.newBufferedWriter(logFile)) {
      for (String line; (line = in.readLine()) != null; ) {
        out.write(line);
        out.newLine();
        out.flush();
        Matcher m = PG_PORT.matcher(line);
        if (m.find()) {
          pgPort = Integer.parseInt(m.group(1));
        }
        m = LISTENING.matcher(line);
        if (m.find()) {
          ports.complete(new int[] {pgPort, Integer.parseInt(m.group(1))});
        }
      }
    } catch (IOException e) {
      ports.completeExceptionally(e);
    }
    ports.completeExceptionally(new IOException("the server closed its output"));
  }

  /** The server's output so far. */
  Path logFile() {
    return dir.resolve("server.log");
  }

  /** The gRPC port. */
  int port() {
    return port;
  }

  /**
   * A JDBC URL for the embedded database as the superuser, with the password the server
   * generated into its state directory.
   */
  String superuserJdbcUrl() {
    try {
      String password = Files.readString(
          dir.resolve("data").resolve("secrets").resolve("postgres.password")).strip();
      return "jdbc:postgresql://127.0.0.1:" + postgresPort + "/audit?user=postgres&password="
          + password;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The server JVM's process id. */
  long pid() {
    return process.pid();
  }

  /** The postmaster's process id, from its pid file. */
  long postmasterPid() {
    try {
      return Long.parseLong(
          Files.readAllLines(dir.resolve("data/postgres/postmaster.pid")).get(0).trim());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The largest heap occupancy right after a collection (the live set) so far, in MiB. */
  long peakHeapMb() {
    long peak = -1;
    try {
      for (String line : Files.readAllLines(dir.resolve("gc.log"))) {
        Matcher m = GC_HEAP.matcher(line);
        if (m.find()) {
          peak = Math.max(peak, Long.parseLong(m.group(2)));
        }
      }
    } catch (IOException e) {
      return -1;
    }
    return peak;
  }

  /** The server JVM's peak resident set size (VmHWM) in MiB, or -1 if unreadable. */
  long peakResidentMb() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid()), "status"))) {
        if (line.startsWith("VmHWM:")) {
          return Long.parseLong(line.replaceAll("\\D", "")) / 1024;
        }
      }
    } catch (IOException e) {
      return -1;
    }
    return -1;
  }

  /** Stops the server, keeping its output in {@code logCopy} when that is not null. */
  void close(Path logCopy) throws IOException {
    stop();
    if (logCopy != null) {
      Files.copy(dir.resolve("server.log"), logCopy, StandardCopyOption.REPLACE_EXISTING);
    }
    deleteQuietly(dir);
  }

  /** Stops the server as Ctrl-C does (it commits queued appends and stops PostgreSQL). */
  @Override
  public void close() {
    stop();
    deleteQuietly(dir);
  }

  private void stop() {
    process.destroy();
    try {
      if (!process.waitFor(60, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
  }

  private void deleteQuietly(Path root) {
    if (keep) {
      return;
    }
    try (var paths = Files.walk(root)) {
      paths.sorted((a, b) -> b.getNameCount() - a.getNameCount()).forEach(p -> p.toFile().delete());
    } catch (IOException ignored) {
      // A temporary directory left behind is harmless.
    }
  }
}
