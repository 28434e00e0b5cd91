package dev.auditlog.server;

import com.zaxxer.hikari.HikariDataSource;
import dev.auditlog.api.v1.AuditLogGrpc.AuditLogBlockingStub;
import dev.auditlog.api.v1.Checkpoint;
import dev.auditlog.api.v1.Entry;
import dev.auditlog.api.v1.GetCheckpointRequest;
import dev.auditlog.api.v1.ListRequest;
import dev.auditlog.server.store.AuditStore;
import dev.auditlog.server.store.Migrations;
import dev.auditlog.server.store.PostgresAuditStore;
import dev.auditlog.server.store.StoreFactory;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

/**
 * A data directory as the server versions before the state-directory layout left it: the
 * directory is the PostgreSQL cluster (initialized with {@code trust} authentication, as the
 * embedded library does by default), the roles have no passwords, and the signing key lies
 * in it beside {@code PG_VERSION}. Made the way the old {@code EmbeddedDatabase} did, with
 * entries and a checkpoint appended through the server in this JVM: an
 * {@link AuditServerExtension} over {@link #store()}, started by {@link #append}.
 */
final class OldLayoutDataDirectory implements AutoCloseable {
  private final Path dir;
  private final EmbeddedPostgres postgres;
  private HikariDataSource writer;
  private List<Entry> entries;
  private Checkpoint checkpoint;

  private OldLayoutDataDirectory(Path dir, EmbeddedPostgres postgres) {
    this.dir = dir;
    this.postgres = postgres;
  }

  /** Starts PostgreSQL in {@code dir} the old way and creates the roles and database. */
  static OldLayoutDataDirectory start(Path dir) throws IOException, SQLException {
    EmbeddedPostgres pg = EmbeddedPostgres.builder()
        .setDataDirectory(dir)
        .setCleanDataDirectory(false)
        .setRegisterShutdownHook(false)
        .setServerConfig("listen_addresses", "127.0.0.1")
        .start();
    try (Connection c = pg.getPostgresDatabase().getConnection();
        Statement s = c.createStatement()) {
      s.execute("CREATE ROLE audit_owner LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE");
      s.execute("CREATE ROLE audit_writer LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE");
      s.execute("CREATE DATABASE audit OWNER audit_owner");
      s.execute("REVOKE ALL ON DATABASE audit FROM PUBLIC");
      s.execute("GRANT CONNECT ON DATABASE audit TO audit_writer");
    }
    return new OldLayoutDataDirectory(dir, pg);
  }

  /**
   * Migrates the schema as the owner; then starts {@code server}, an extension over
   * {@link #store()}, with the data directory and without a signing key file, so that it
   * generates its key in the directory; appends {@code count} events through it, stores a
   * checkpoint signed with that key, and stops it.
   */
  OldLayoutDataDirectory append(AuditServerExtension server, int count) throws Exception {
    try (HikariDataSource owner = StoreFactory.ownerPool(url(), "audit_owner", null)) {
      Migrations.migrate(owner, "audit", "audit_writer");
    }
    server.start(b -> b.dataDir(dir).signingKey(null));
    AuditLogBlockingStub backend = server.stub("auth-backend");
    for (int i = 0; i < count; i++) {
      backend.append(Events.request(Events.registrationFailure()));
    }
    AuditLogBlockingStub auditor = server.stub("auditor");
    checkpoint = auditor.getCheckpoint(GetCheckpointRequest.newBuilder().setFresh(true).build())
        .getCheckpoint();
    entries = auditor.list(ListRequest.getDefaultInstance()).getEntriesList();
    server.stop();
    return this;
  }

  /**
   * A store writing as audit_writer without a password, as the old server did; its close
   * leaves the pool, which {@link #close()} closes.
   */
  AuditStore store() {
    if (writer == null) {
      writer = StoreFactory.writerPool(url(), "audit_writer", null, 4);
    }
    return new PostgresAuditStore(writer, "audit", null);
  }

  private String url() {
    return "jdbc:postgresql://127.0.0.1:" + postgres.getPort() + "/audit";
  }

  /** The entries appended. */
  List<Entry> entries() {
    return entries;
  }

  /** The checkpoint stored after them, signed with the key in the directory. */
  Checkpoint checkpoint() {
    return checkpoint;
  }

  /** Closes the writer pool and stops PostgreSQL (fast shutdown). */
  @Override
  public void close() throws IOException {
    if (writer != null) {
      writer.close();
    }
    postgres.close();
  }
}
