package dev.auditlog.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.auditlog.api.v1.AuditLogGrpc;
import dev.auditlog.api.v1.Checkpoint;
import dev.auditlog.api.v1.GetCheckpointRequest;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The server jar and its checkpoint signing key: a key file that group or others may read is
 * refused, a missing key is generated (mode 0600) only for a log without checkpoints, and a
 * missing key is not replaced once checkpoints signed with it are stored. On an external
 * (test) PostgreSQL, with the key in the state directory.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class SigningKeyStartIT {
  private static final Duration TIMEOUT = Duration.ofSeconds(60);

  @TempDir Path tmp;
  private final List<ServerProcess> processes = new ArrayList<>();
  private ManagedChannel channel;

  @AfterEach
  void stopEverything() {
    if (channel != null) {
      channel.shutdownNow();
    }
    processes.forEach(ServerProcess::kill);
  }

  @Test
  void configuredKeyReadableByGroup_isRefusedNamingTheFileAndTheChmod() throws Exception {
    Path key = Files.copy(AuditServerExtension.SIGNING_KEY, tmp.resolve("key.pem"));
    Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-r-----"));

    ServerProcess server =
        start(TestDatabase.createUnmigrated(), "--signing-key", key.toString());

    assertRefused(server, "signing key " + key, "rw-r-----", "chmod 600 " + key);
  }

  @Test
  void keyInTheDataDirectoryReadableByOthers_isRefused() throws Exception {
    Path dataDir = Files.createDirectory(tmp.resolve("data"));
    Path key = Files.copy(AuditServerExtension.SIGNING_KEY,
        dataDir.resolve("checkpoint-signing-key.pem"));
    Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-r--r--"));

    ServerProcess server = start(TestDatabase.createUnmigrated());

    assertRefused(server, "signing key " + key, "chmod 600 " + key);
  }

  @Test
  void missingKey_isGeneratedOnAFreshLog_butRefusedOnceTheLogHoldsCheckpoints()
      throws Exception {
    String url = TestDatabase.createUnmigrated();
    Path key = tmp.resolve("data").resolve("checkpoint-signing-key.pem");
    ServerProcess first = start(url);
    first.awaitListening(TIMEOUT);
    assertEquals("rw-------",
        PosixFilePermissions.toString(Files.getPosixFilePermissions(key)));
    Checkpoint stored = freshCheckpoint(first.port());
    first.stopGracefully();

    Files.delete(key);
    ServerProcess second = start(url);

    assertRefused(second, "signing key " + key + " is missing",
        "holds checkpoints signed with key " + stored.getKeyId(), "restore the key file",
        "--signing-key");
    assertFalse(Files.exists(key), "a new key was generated");
  }

  private ServerProcess start(String url, String... args) {
    List<String> all = new ArrayList<>(List.of("--port", "0", "--db-url", url,
        "--db-user", TestDatabase.WRITER,
        "--db-password", TestDatabase.password(TestDatabase.WRITER),
        "--db-owner-user", TestDatabase.OWNER,
        "--db-owner-password", TestDatabase.password(TestDatabase.OWNER)));
    all.addAll(List.of(args));
    ServerProcess server = ServerProcess.start(tmp.resolve("data"), all.toArray(String[]::new));
    processes.add(server);
    return server;
  }

  private Checkpoint freshCheckpoint(int port) throws Exception {
    channel = NettyChannelBuilder.forAddress("127.0.0.1", port)
        .sslContext(AuditServerExtension.clientContext("auditor")).build();
    return AuditLogGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS)
        .getCheckpoint(GetCheckpointRequest.newBuilder().setFresh(true).build())
        .getCheckpoint();
  }

  private static void assertRefused(ServerProcess server, String... words) {
    assertNotEquals(0, server.awaitExit(TIMEOUT), server.output());
    List<String> lines =
        server.lines().stream().filter(l -> l.startsWith("audit-server:")).toList();
    assertEquals(1, lines.size(), "one 'audit-server:' line expected:\n" + server.output());
    for (String word : words) {
      assertTrue(lines.get(0).contains(word), "'" + word + "' not in: " + lines.get(0));
    }
    assertFalse(server.output().contains("\tat "), "stack trace in:\n" + server.output());
  }
}
