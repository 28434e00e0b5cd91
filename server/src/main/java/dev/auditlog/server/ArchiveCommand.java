package dev.auditlog.server;

import com.zaxxer.hikari.HikariDataSource;
import dev.auditlog.server.ServerConfig.DatabaseConfig;
import dev.auditlog.server.archive.ArchiveRefusedException;
import dev.auditlog.server.archive.Archiver;
import dev.auditlog.server.checkpoint.SigningKey;
import dev.auditlog.server.metrics.AuditMetrics;
import dev.auditlog.server.store.AuditStore;
import dev.auditlog.server.store.StoreFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/**
 * {@code audit-server [server options] archive --up-to-seq N --out FILE}: moves a log's
 * oldest entries, whole partitions outside the retention, out of PostgreSQL into a verified
 * export file (see {@link Archiver}). Runs as the database owner with the server's own
 * configuration (its options or AUDIT_* environment) and signing key; beside a running
 * server on an external database, or with the server stopped on an embedded one.
 */
@Command(name = "archive", mixinStandardHelpOptions = true, sortOptions = false,
    versionProvider = Version.class,
    description = "Archive the log's entries up to a partition's end that lies outside the"
        + " retention into an export file, then drop those partitions (docs/operations.md).")
final class ArchiveCommand implements Callable<Integer> {
  @ParentCommand
  AuditServerMain server;

  @Option(names = "--up-to-seq", required = true,
      description = "The last entry to archive: the end of a partition (entry_partition).")
  long upToSeq;

  @Option(names = "--out", required = true,
      description = "The export file to write; it must not exist.")
  Path out;

  @Option(names = "--skip-destination", paramLabel = "NAME",
      description = "A forwarding destination that is gone for good and may miss the range"
          + " (repeatable); any other destination behind the range refuses the archive.")
  List<String> skipDestinations = new ArrayList<>();

  @Override
  public Integer call() throws Exception {
    ServerConfig config = server.config();
    SigningKey key = signingKey(config);
    String logId = config.appends().logId();
    long began = System.nanoTime();
    try (AuditStore store = server.openStore(config, "auto", AuditMetrics.inMemory());
        HikariDataSource owner = ownerPool(server.openedDatabase())) {
      Archiver.Result r = new Archiver(store, owner, server.openedDatabase().schema(), key,
          config.checkpoints().originOf(logId),
          AuditServer.earlierKeys(config.storage().earlierCheckpointKeys()))
          .archive(logId, upToSeq, out, Set.copyOf(skipDestinations));
      System.out.printf("archived log '%s' seq %d..%d (%d entries) to %s (SHA-256 %s) in %.1f"
          + " s; dropped partitions %s. The remaining entries verify after the checkpoint of"
          + " seq %d, the last line of the file.%n", logId, r.fromSeq(), r.upToSeq(),
          r.upToSeq() - r.fromSeq() + 1, out, Archiver.hex(r.fileSha256()),
          (System.nanoTime() - began) / 1e9, r.droppedPartitions(), r.upToSeq());
      return 0;
    } catch (ArchiveRefusedException e) {
      System.err.println("audit-server archive: refused: " + e.getMessage());
      return 1;
    }
  }

  private static SigningKey signingKey(ServerConfig config) throws Exception {
    Path file = config.storage().signingKeyFile() != null ? config.storage().signingKeyFile()
        : SigningKey.defaultFile(config.storage().dataDir());
    if (!Files.exists(file)) {
      throw new IllegalStateException("the checkpoint signing key " + file + " is missing"
          + " (--signing-key, or the server's data directory)");
    }
    return SigningKey.read(file);
  }

  private static HikariDataSource ownerPool(DatabaseConfig db) {
    return StoreFactory.ownerPool(db.url(), db.ownerUser(), db.ownerPassword());
  }
}
