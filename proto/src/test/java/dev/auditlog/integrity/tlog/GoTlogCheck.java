package dev.auditlog.integrity.tlog;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Builds and runs {@code src/test/go/tlogcheck}, the independent checker built on Go's
 * {@code golang.org/x/mod/sumdb/note} and {@code sumdb/tlog} (see its package comment for
 * the commands). Exit status 0 means accepted, 1 refused, 2 a usage error.
 */
public final class GoTlogCheck {
  /** Where Debian's golang-golang-x-mod-dev puts the packages. */
  static final Path GOPATH = Path.of("/usr/share/gocode");
  static final Path SUMDB = GOPATH.resolve("src/golang.org/x/mod/sumdb");

  private final Path binary;

  private GoTlogCheck(Path binary) {
    this.binary = binary;
  }

  /** Why the checker cannot be built here, if it cannot. */
  public static Optional<String> unavailable() {
    if (findOnPath("go").isEmpty()) {
      return Optional.of("no 'go' on PATH (apt-get install golang-go golang-golang-x-mod-dev)");
    }
    if (!Files.isDirectory(SUMDB)) {
      return Optional.of("no " + SUMDB + " (apt-get install golang-golang-x-mod-dev)");
    }
    return Optional.empty();
  }

  /** Builds the checker into {@code dir} with the go tool, offline, in GOPATH mode. */
  public static GoTlogCheck build(Path dir) throws IOException, InterruptedException {
    Path binary = dir.resolve("tlogcheck");
    ProcessBuilder pb = new ProcessBuilder(findOnPath("go").orElseThrow().toString(), "build",
        "-o", binary.toString(), ".").directory(source().toFile()).redirectErrorStream(true);
    Map<String, String> env = pb.environment();
    env.put("GO111MODULE", "off");
    env.put("GOPATH", GOPATH.toString());
    env.put("GOFLAGS", "");
    if (!env.containsKey("GOCACHE") && !env.containsKey("HOME")
        && !env.containsKey("XDG_CACHE_HOME")) {
      env.put("GOCACHE", dir.resolve("gocache").toString());
    }
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(5, TimeUnit.MINUTES) || p.exitValue() != 0) {
      throw new IOException("go build of " + source() + " failed:\n" + out);
    }
    return new GoTlogCheck(binary);
  }

  /** Runs a command with {@code stdin}. */
  public Result run(String stdin, String... args) {
    List<String> command = new ArrayList<>(List.of(binary.toString()));
    command.addAll(List.of(args));
    try {
      Process p = new ProcessBuilder(command).start();
      CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> read(p.getErrorStream()));
      try (OutputStream in = p.getOutputStream()) {
        in.write(stdin.getBytes(StandardCharsets.UTF_8));
      }
      String out = read(p.getInputStream());
      if (!p.waitFor(1, TimeUnit.MINUTES)) {
        p.destroyForcibly();
        throw new AssertionError("tlogcheck " + args[0] + " did not finish");
      }
      return new Result(p.exitValue(), out, err.join());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  /** One hash per line, for the commands that read hashes from stdin. */
  public static String lines(List<byte[]> hashes) {
    StringBuilder b = new StringBuilder();
    hashes.forEach(h -> b.append(b64(h)).append('\n'));
    return b.toString();
  }

  public static String b64(byte[] bytes) {
    return Base64.getEncoder().encodeToString(bytes);
  }

  /** What a command did. */
  public record Result(int exit, String stdout, String stderr) {
    @Override
    public String toString() {
      return "exit " + exit + ", stdout '" + stdout + "', stderr '" + stderr.strip() + "'";
    }
  }

  private static Path source() {
    for (String dir : List.of("src/test/go/tlogcheck", "../proto/src/test/go/tlogcheck")) {
      if (Files.isDirectory(Path.of(dir))) {
        return Path.of(dir).toAbsolutePath().normalize();
      }
    }
    return Path.of("proto/src/test/go/tlogcheck").toAbsolutePath();
  }

  private static Optional<Path> findOnPath(String name) {
    String path = System.getenv("PATH");
    if (path == null) {
      return Optional.empty();
    }
    for (String dir : path.split(File.pathSeparator)) {
      Path candidate = Path.of(dir, name);
      if (!dir.isEmpty() && Files.isExecutable(candidate)) {
        return Optional.of(candidate);
      }
    }
    return Optional.empty();
  }

  private static String read(InputStream in) {
    try {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
