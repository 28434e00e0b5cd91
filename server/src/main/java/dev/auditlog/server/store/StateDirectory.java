package dev.auditlog.server.store;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The server's state directory ({@code --data-dir}) when it runs its own PostgreSQL:
 *
 * <pre>
 * data/
 *   postgres/                       the PostgreSQL cluster (its data directory)
 *   secrets/                        0700: one password file per database role, 0600
 *   checkpoint-signing-key.pem      0600, outside the cluster (see SigningKey)
 *   checkpoint-signing-key.pub.pem
 * </pre>
 *
 * <p>Earlier versions used the state directory as the cluster itself. {@link #open} moves
 * such a cluster into {@code postgres/}, leaving the {@code *.pem} files where they are. The
 * move is crash-safe: the entries go one by one into {@code postgres.migrating/},
 * {@code PG_VERSION} last, and that directory is renamed {@code postgres/} at the end; a
 * start that finds the move half done finishes it.
 */
public final class StateDirectory {
  /** The cluster's subdirectory. */
  public static final String CLUSTER = "postgres";
  /** The password files' subdirectory. */
  public static final String SECRETS = "secrets";

  private static final String STAGING = "postgres.migrating";
  private static final String VERSION_FILE = "PG_VERSION";

  private final Path root;
  private final boolean movedOldCluster;

  private StateDirectory(Path root, boolean movedOldCluster) {
    this.root = root;
    this.movedOldCluster = movedOldCluster;
  }

  /**
   * Creates {@code root} (mode 0700) if missing, or moves a cluster of the old layout in it
   * into {@code postgres/}.
   *
   * @throws IOException if a PostgreSQL still runs on the old cluster, if the directory holds
   *     an old and a new cluster, or if a move fails
   */
  public static StateDirectory open(Path root) throws IOException {
    PrivateFiles.createDirectory(root);
    return new StateDirectory(root, moveOldCluster(root));
  }

  /** The state directory. */
  public Path root() {
    return root;
  }

  /** The PostgreSQL cluster's directory. */
  public Path cluster() {
    return root.resolve(CLUSTER);
  }

  /** The directory of the password files. */
  public Path secrets() {
    return root.resolve(SECRETS);
  }

  /** Whether {@link #open} found the old layout and moved the cluster. */
  public boolean movedOldCluster() {
    return movedOldCluster;
  }

  private static boolean moveOldCluster(Path root) throws IOException {
    Path staging = root.resolve(STAGING);
    boolean oldLayout = Files.exists(root.resolve(VERSION_FILE));
    if (!oldLayout && !Files.isDirectory(staging)) {
      return false;
    }
    if (Files.exists(root.resolve(CLUSTER))) {
      throw new IOException(root + " holds a PostgreSQL cluster of the old layout and "
          + root.resolve(CLUSTER) + " too: move one of them elsewhere");
    }
    if (oldLayout) {
      requireNoPostmaster(root);
      PrivateFiles.createDirectory(staging);
      for (Path entry : clusterEntries(root)) {
        Files.move(entry, staging.resolve(entry.getFileName()), StandardCopyOption.ATOMIC_MOVE);
      }
      // Last: while PG_VERSION is at the top, the next start knows the move is unfinished.
      Files.move(root.resolve(VERSION_FILE), staging.resolve(VERSION_FILE),
          StandardCopyOption.ATOMIC_MOVE);
      PrivateFiles.syncDirectory(staging);
      PrivateFiles.syncDirectory(root);
    }
    Files.move(staging, root.resolve(CLUSTER), StandardCopyOption.ATOMIC_MOVE);
    PrivateFiles.syncDirectory(root);
    return true;
  }

  /** Everything at the top of an old-layout directory but PG_VERSION, keys and our own. */
  private static List<Path> clusterEntries(Path root) throws IOException {
    try (Stream<Path> entries = Files.list(root)) {
      return entries.filter(p -> {
        String name = p.getFileName().toString();
        return !name.equals(VERSION_FILE) && !name.equals(STAGING) && !name.equals(SECRETS)
            && !name.endsWith(".pem");
      }).toList();
    }
  }

  /** Refuses while the process named in postmaster.pid lives, as PostgreSQL itself would. */
  private static void requireNoPostmaster(Path cluster) throws IOException {
    Optional<Long> pid = postmasterPid(cluster);
    if (pid.isPresent() && ProcessHandle.of(pid.get()).map(ProcessHandle::isAlive)
        .orElse(false)) {
      throw new IOException("PostgreSQL (pid " + pid.get() + ") still runs on " + cluster
          + ", which is to be moved into " + cluster.resolve(CLUSTER) + ": stop it first (or,"
          + " if that process is no PostgreSQL, remove " + cluster.resolve("postmaster.pid")
          + ")");
    }
  }

  private static Optional<Long> postmasterPid(Path cluster) throws IOException {
    try (Stream<String> lines = Files.lines(cluster.resolve("postmaster.pid"))) {
      return lines.findFirst().map(String::trim).filter(s -> s.matches("\\d{1,10}"))
          .map(Long::valueOf);
    } catch (NoSuchFileException e) {
      return Optional.empty();
    }
  }
}
