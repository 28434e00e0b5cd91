package dev.auditlog.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.auditlog.api.v1.AuditLogGrpc;
import dev.auditlog.api.v1.AuditLogGrpc.AuditLogBlockingStub;
import dev.auditlog.api.v1.Checkpoint;
import dev.auditlog.api.v1.Entry;
import dev.auditlog.api.v1.GetCheckpointRequest;
import dev.auditlog.api.v1.ListRequest;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A data directory of an earlier version (the directory is the cluster, trusting every
 * local connection, with the signing key inside it) given to the server jar: it moves the
 * cluster into {@code postgres/}, gives every role a password before PostgreSQL takes a
 * connection, and serves the old entries with the old key.
 */
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class OldDataDirectoryIT {
  private static final Duration START_TIMEOUT = Duration.ofSeconds(60);

  @TempDir Path tmp;
  private final List<ServerProcess> processes = new ArrayList<>();
  private final List<ManagedChannel> channels = new ArrayList<>();
  private OldLayoutDataDirectory old;

  /** This version in this JVM, filling the old directory as an earlier version did. */
  @RegisterExtension
  final AuditServerExtension earlier =
      AuditServerExtension.mutualTls(() -> old.store()).notStarted();

  @AfterEach
  void stopEverything() {
    channels.forEach(ManagedChannel::shutdownNow);
    processes.forEach(ServerProcess::kill);
  }

  @Test
  void oldLayout_isMigrated_andServesItsEntriesWithTheOldKey_andNoPasswordlessLogin()
      throws Exception {
    Path dir = tmp.resolve("data");
    try (OldLayoutDataDirectory o = OldLayoutDataDirectory.start(dir)) {
      old = o;
      o.append(earlier, 3);
    }
    String oldKey = Files.readString(dir.resolve("checkpoint-signing-key.pem"));

    ServerProcess server = start(dir);

    assertMigrated(dir, server, old, oldKey);
  }

  @Test
  void oldLayout_movedHalfWayWhenTheServerDied_isFinishedAtTheNextStart() throws Exception {
    Path dir = tmp.resolve("data");
    try (OldLayoutDataDirectory o = OldLayoutDataDirectory.start(dir)) {
      old = o;
      o.append(earlier, 2);
    }
    String oldKey = Files.readString(dir.resolve("checkpoint-signing-key.pem"));
    // As a start that died after moving some entries: the staging directory holds them.
    Path staging = Files.createDirectory(dir.resolve("postgres.migrating"),
        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    for (String name : List.of("base", "global", "pg_wal", "postgresql.conf")) {
      Files.move(dir.resolve(name), staging.resolve(name), StandardCopyOption.ATOMIC_MOVE);
    }

    ServerProcess server = start(dir);

    assertMigrated(dir, server, old, oldKey);
    assertFalse(Files.exists(staging));
  }

  @Test
  void oldLayout_whilePostgresStillRunsOnIt_isRefusedAndLeftAsItIs() throws Exception {
    Path dir = tmp.resolve("data");
    try (OldLayoutDataDirectory running = OldLayoutDataDirectory.start(dir)) {
      ServerProcess server = ServerProcess.start(dir, "--port", "0");
      processes.add(server);

      assertNotEquals(0, server.awaitExit(START_TIMEOUT), server.output());
      List<String> lines =
          server.lines().stream().filter(l -> l.startsWith("audit-server:")).toList();
      assertEquals(1, lines.size(), server.output());
      assertTrue(lines.get(0).contains("still runs on " + dir), lines.get(0));
      assertTrue(lines.get(0).contains("stop it first"), lines.get(0));
      assertTrue(Files.exists(dir.resolve("PG_VERSION")), "the cluster was moved anyway");
      assertFalse(Files.exists(dir.resolve("postgres")));
    }
  }

  private void assertMigrated(Path dir, ServerProcess server, OldLayoutDataDirectory old,
      String oldKey) throws Exception {
    assertFalse(Files.exists(dir.resolve("PG_VERSION")));
    assertTrue(Files.exists(dir.resolve("postgres/PG_VERSION")));
    assertEquals(oldKey, Files.readString(dir.resolve("checkpoint-signing-key.pem")),
        "the key stays where it was");
    List<String> migrated = server.lines().stream()
        .filter(l -> l.contains("migrated the embedded PostgreSQL in")).toList();
    assertEquals(1, migrated.size(), server.output());
    for (String what : List.of("cluster moved into", "pg_hba.conf replaced",
        "password set for role postgres", "password set for role audit_owner",
        "password set for role audit_writer")) {
      assertTrue(migrated.get(0).contains(what), "'" + what + "' not in " + migrated.get(0));
    }
    Checkpoint oldCheckpoint = old.checkpoint();

    AuditLogBlockingStub auditor = stub(server.port(), "auditor");
    List<Entry> entries = auditor.list(ListRequest.getDefaultInstance()).getEntriesList();
    assertEquals(old.entries(), entries);
    assertEquals(oldCheckpoint, auditor.getCheckpoint(GetCheckpointRequest.getDefaultInstance())
        .getCheckpoint());
    Checkpoint fresh = auditor.getCheckpoint(GetCheckpointRequest.newBuilder().setFresh(true)
        .build()).getCheckpoint();
    assertEquals(oldCheckpoint.getKeyId(), fresh.getKeyId());
    assertEquals(old.entries().size(), fresh.getSeq());

    int port = PostgresLogins.port(dir.resolve("postgres"));
    for (String role : List.of("postgres", "audit_owner", "audit_writer")) {
      PostgresLogins.assertRefused(port, role, "audit");
    }
  }

  private ServerProcess start(Path dir) {
    ServerProcess server = ServerProcess.start(dir, "--port", "0");
    processes.add(server);
    server.awaitListening(START_TIMEOUT);
    return server;
  }

  private AuditLogBlockingStub stub(int port, String client) throws Exception {
    ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", port)
        .sslContext(AuditServerExtension.clientContext(client)).build();
    channels.add(channel);
    return AuditLogGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
  }
}
