package dev.auditlog.server;

import com.zaxxer.hikari.HikariDataSource;
import dev.auditlog.api.v1.Entry;
import dev.auditlog.server.store.EmbeddedDatabase;
import dev.auditlog.server.store.Migrations;
import dev.auditlog.server.store.StoreFactory;
import dev.auditlog.server.store.ListQuery;
import dev.auditlog.server.store.Page;
import dev.auditlog.server.store.PostgresAuditStore;
import dev.auditlog.server.store.StoreException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * A PostgreSQL of its own (embedded, data in a temporary directory) that a test may stop,
 * crash and start again, reached through a {@link TcpRelay} that can pause, reset and delay
 * the connections. The server under test connects through {@link #writerPool}, so it sees
 * one address across restarts.
 */
public final class RestartableDatabase implements AutoCloseable {
  public static final String NAME = "audit";

  private final Path dataDir;
  private final TcpRelay relay;
  private EmbeddedDatabase postgres;

  private RestartableDatabase(Path dataDir, EmbeddedDatabase postgres, TcpRelay relay) {
    this.dataDir = dataDir;
    this.postgres = postgres;
    this.relay = relay;
  }

  /** Starts PostgreSQL, creates the roles and the migrated database, and the relay. */
  public static RestartableDatabase start() throws Exception {
    Path dir = Files.createTempDirectory("audit-restartable-pg");
    EmbeddedDatabase pg = EmbeddedDatabase.start(dir);
    pg.provision(NAME, TestDatabase.OWNER, TestDatabase.WRITER);
    try (HikariDataSource owner = StoreFactory.ownerPool(
        pg.jdbcUrl(NAME), TestDatabase.OWNER, pg.password(TestDatabase.OWNER))) {
      Migrations.migrate(owner, TestDatabase.SCHEMA, TestDatabase.WRITER);
    }
    return new RestartableDatabase(dir, pg, new TcpRelay(pg.port()));
  }

  /** The relay between the server and PostgreSQL. */
  public TcpRelay relay() {
    return relay;
  }

  /** A writer pool as the server builds it, connecting through the relay. */
  public HikariDataSource writerPool() {
    try {
      return StoreFactory.writerPool("jdbc:postgresql://127.0.0.1:" + relay.port() + "/" + NAME,
          TestDatabase.WRITER, postgres.password(TestDatabase.WRITER), 8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * A store over a {@link #writerPool}, as the server's; closing it closes the pool and then
   * this database (so that a test fixture closing the store closes everything).
   */
  public PostgresAuditStore store() {
    HikariDataSource pool = writerPool();
    return new PostgresAuditStore(pool, TestDatabase.SCHEMA, () -> {
      pool.close();
      close();
    });
  }

  /** Stops PostgreSQL (fast shutdown: open sessions are ended, commits are kept). */
  public synchronized void stop() throws IOException {
    postgres.close();
  }

  /**
   * Stops PostgreSQL as {@code pg_ctl stop -m immediate} does (SIGQUIT to the postmaster):
   * no checkpoint, crash recovery at the next start.
   */
  public synchronized void crash() throws Exception {
    String pid =
        Files.readAllLines(postgres.clusterDirectory().resolve("postmaster.pid")).get(0).trim();
    new ProcessBuilder("kill", "-QUIT", pid).inheritIO().start().waitFor();
    Await.until("the postmaster " + pid + " exited", Duration.ofSeconds(10),
        () -> ProcessHandle.of(Long.parseLong(pid)).filter(ServerProcess::running).isEmpty());
    try {
      postgres.close();
    } catch (IOException | RuntimeException alreadyDown) {
      // pg_ctl stop finds no server; this only releases the data directory.
    }
  }

  /** Starts PostgreSQL again on the same data, and points the relay at it. */
  public synchronized void restart() throws IOException {
    postgres = EmbeddedDatabase.start(dataDir);
    relay.upstream(postgres.port());
  }

  /** Every entry of the log, in seq order, read directly as the superuser. */
  public synchronized List<Entry> entries(String logId) throws StoreException, IOException {
    PGSimpleDataSource superuser = new PGSimpleDataSource();
    superuser.setUrl(postgres.jdbcUrl(NAME));
    superuser.setUser(EmbeddedDatabase.SUPERUSER);
    superuser.setPassword(postgres.password(EmbeddedDatabase.SUPERUSER));
    PostgresAuditStore store = new PostgresAuditStore(superuser, TestDatabase.SCHEMA, null);
    List<Entry> all = new ArrayList<>();
    Page page;
    do {
      long after = all.isEmpty() ? 0 : all.get(all.size() - 1).getSeq();
      page = store.list(ListQuery.all(logId, after, 1000));
      all.addAll(page.entries());
    } while (page.more());
    return all;
  }

  @Override
  public synchronized void close() throws IOException {
    relay.close();
    postgres.close();
    try (Stream<Path> files = Files.walk(dataDir)) {
      for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
