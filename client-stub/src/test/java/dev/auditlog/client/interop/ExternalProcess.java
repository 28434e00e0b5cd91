package dev.auditlog.client.interop;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/** Runs a program to completion and keeps what it printed. */
record ExternalProcess(int exitCode, String out, String err) {

  static ExternalProcess run(List<String> command, Duration timeout) {
    try {
      Path stdout = Files.createTempFile("proc", ".out");
      Path stderr = Files.createTempFile("proc", ".err");
      Process p = new ProcessBuilder(command).redirectInput(ProcessBuilder.Redirect.from(
          new File("/dev/null"))).redirectOutput(stdout.toFile()).redirectError(stderr.toFile())
          .start();
      if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        p.destroyForcibly();
        throw new AssertionError(command + " did not finish within " + timeout);
      }
      return new ExternalProcess(p.exitValue(), read(stdout), read(stderr));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    }
  }

  private static String read(Path file) throws IOException {
    try {
      return Files.readString(file, StandardCharsets.UTF_8);
    } finally {
      Files.delete(file);
    }
  }

  /** {@code name} on the PATH, if there is one. */
  static Optional<Path> onPath(String name) {
    String path = System.getenv().getOrDefault("PATH", "");
    for (String dir : path.split(File.pathSeparator)) {
      Path candidate = Path.of(dir, name);
      if (Files.isExecutable(candidate)) {
        return Optional.of(candidate);
      }
    }
    return Optional.empty();
  }

  @Override
  public String toString() {
    return "exit " + exitCode + "\nstdout: " + out + "\nstderr: " + err;
  }
}
