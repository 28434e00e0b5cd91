package dev.auditlog.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.auditlog.api.v1.AppendBatchRequest;
import dev.auditlog.api.v1.AppendBatchResponse;
import dev.auditlog.api.v1.AppendResponse;
import dev.auditlog.api.v1.AppendResult;
import dev.auditlog.api.v1.AuditEvent;
import dev.auditlog.api.v1.AuditLogGrpc;
import dev.auditlog.api.v1.AuditLogGrpc.AuditLogBlockingStub;
import dev.auditlog.api.v1.Entry;
import dev.auditlog.api.v1.ListRequest;
import dev.auditlog.integrity.EntryHasher;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * End to end: the runnable server jar started as a user starts it (see {@link ServerProcess}),
 * with its embedded PostgreSQL in a temporary directory; clients with the development
 * certificates call it over mutual TLS. Run by failsafe in {@code mvn verify}, after
 * {@code package} has built the jar.
 */
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class AuditServerMainIT {
  private static final Duration START_TIMEOUT = Duration.ofSeconds(60);

  @TempDir Path tmp;

  private final List<ServerProcess> processes = new ArrayList<>();
  private final List<ManagedChannel> channels = new ArrayList<>();

  @AfterEach
  void stopEverything() {
    channels.forEach(ManagedChannel::shutdownNow);
    // Newest first, as ServerProcess.kill() asks.
    for (int i = processes.size() - 1; i >= 0; i--) {
      processes.get(i).kill();
    }
  }

  @Test
  void appendAndAppendBatch_thenList_returnsEntriesWithCertificateProducerAndValidChain() {
    ServerProcess server = startListening(tmp.resolve("data"));
    AuditLogBlockingStub backend = stub(server.port(), "auth-backend");

    List<AuditEvent> events = appendOneThenBatchOfThree(backend);
    List<Entry> entries = Pages.all(stub(server.port(), "auditor"), 0);

    assertEquals(eventIds(events), entries.stream().map(Entry::getEventId).toList());
    entries.forEach(e -> assertEquals("auth-backend", e.getProducer(), "producer"));
    assertEquals(events.get(0).getRiskSignalsMap(), entries.get(0).getRiskSignalsMap());
    Events.assertChain(entries);
  }

  @Test
  void sigterm_thenRestartOnSameDataDir_keepsEntriesAndContinuesTheChain() {
    Path dataDir = tmp.resolve("data");
    ServerProcess first = startListening(dataDir);
    appendOneThenBatchOfThree(stub(first.port(), "auth-backend"));
    List<Entry> before = Pages.all(stub(first.port(), "auditor"), 0);
    ProcessHandle postgres = first.postgres()
        .orElseThrow(() -> new AssertionError("no running postmaster in " + dataDir));

    int exitCode = first.stopGracefully();
    assertTrue(exitCode == 0 || exitCode == 128 + 15, "exit code after SIGTERM: " + exitCode
        + "\n" + first.output());
    assertTrue(ServerProcess.awaitStopped(postgres, ServerProcess.STOP_TIMEOUT),
        "PostgreSQL still runs after the server stopped");
    assertTrue(first.output().contains("audit server stopped"), first.output());

    ServerProcess second = startListening(dataDir);
    AppendResponse next = stub(second.port(), "auth-backend")
        .append(Events.request(Events.withAction("user.logout")));
    List<Entry> after = Pages.all(stub(second.port(), "auditor"), 0);

    assertEquals(before, after.subList(0, before.size()));
    assertEquals(before.size() + 1, next.getSeq());
    assertEquals(EntryHasher.chainHash(before.get(before.size() - 1).getChainHash(),
        next.getEntryHash()), next.getChainHash());
    assertEquals(before.size() + 1, after.size());
    Events.assertChain(after);
  }

  @Test
  void externalDatabase_migratedAsADeployStep_thenServedWithoutOwnerCredentials()
      throws Exception {
    String url = TestDatabase.createUnmigrated();
    Path unused = tmp.resolve("unused");
    ServerProcess migrate = ServerProcess.start(unused, "--db-url", url,
        "--db-user", TestDatabase.WRITER,
        "--db-password", TestDatabase.password(TestDatabase.WRITER),
        "--db-owner-user", TestDatabase.OWNER,
        "--db-owner-password", TestDatabase.password(TestDatabase.OWNER), "--migrate", "only");
    processes.add(migrate);
    assertEquals(0, migrate.awaitExit(START_TIMEOUT), migrate.output());

    ServerProcess server = ServerProcess.start(unused, "--port", "0", "--db-url", url,
        "--db-user", TestDatabase.WRITER,
        "--db-password", TestDatabase.password(TestDatabase.WRITER),
        "--db-owner-user", "nobody", "--migrate", "never");
    processes.add(server);
    server.awaitListening(START_TIMEOUT);
    List<AuditEvent> events = appendOneThenBatchOfThree(stub(server.port(), "auth-backend"));

    assertEquals(events.size(), TestDatabase.countEntries(url));
    Events.assertChain(Pages.all(stub(server.port(), "auditor"), 0));
    assertFalse(Files.exists(unused.resolve("postgres"))
        || Files.exists(unused.resolve("PG_VERSION")),
        "an external database run created a PostgreSQL cluster in " + unused);
  }

  @Test
  void logInANamedDatabase_isMigratedThere_andItsAppendsAreStoredThere() throws Exception {
    String eu = TestDatabase.createUnmigrated();
    ServerProcess server = ServerProcess.start(tmp.resolve("data"), "--port", "0",
        "--log", "tenant-eu=eu", "--database", "eu=" + eu,
        "--database-password", "eu=" + TestDatabase.password(TestDatabase.WRITER),
        "--database-owner-password", "eu=" + TestDatabase.password(TestDatabase.OWNER),
        "--log-appender", "tenant-eu=auth-backend", "--log-reader", "tenant-eu=auditor");
    processes.add(server);
    server.awaitListening(START_TIMEOUT);

    AppendResponse appended = stub(server.port(), "auth-backend").append(Events
        .request(Events.registrationFailure()).toBuilder().setLogId("tenant-eu").build());

    assertEquals(1, appended.getSeq());
    assertEquals(1, TestDatabase.countEntries(eu));
    AuditLogBlockingStub auditor = stub(server.port(), "auditor");
    assertEquals(0, auditor.list(ListRequest.getDefaultInstance()).getEntriesCount());
    assertEquals(appended.getChainHash(), auditor.list(ListRequest.newBuilder()
        .setLogId("tenant-eu").build()).getEntries(0).getChainHash());
  }

  @Test
  void start_withTheDevelopmentPkiOnLoopback_logsOneWarning() {
    ServerProcess server = startListening(tmp.resolve("data"));

    List<String> warnings = server.lines().stream()
        .filter(l -> l.contains("development PKI")).toList();
    assertEquals(1, warnings.size(), server.output());
    assertTrue(warnings.get(0).contains("WARN") && warnings.get(0).contains("loopback"),
        warnings.get(0));
  }

  @Test
  void start_withTheDevelopmentPkiOnAllAddressesAllowed_servesAndWarns() {
    Path dataDir = tmp.resolve("data");
    ServerProcess server = ServerProcess.start(dataDir, "--port", "0", "--bind", "0.0.0.0",
        "--allow-dev-certificates", "--data-dir", dataDir.toString());
    processes.add(server);
    server.awaitListening(START_TIMEOUT);

    // Only over loopback, although the server listens on every address.
    appendOneThenBatchOfThree(stub(server.port(), "auth-backend"));
    assertEquals(4, Pages.all(stub(server.port(), "auditor"), 0).size());
    assertEquals(1, server.lines().stream()
        .filter(l -> l.contains("because of --allow-dev-certificates")).count(), server.output());
  }

  @Test
  void start_withMissingCertificate_exitsNonZeroWithOneLineNamingThePath() {
    Path dataDir = tmp.resolve("data");
    ServerProcess server = ServerProcess.start(dataDir,
        "--port", "0", "--cert", "/nonexistent.pem", "--data-dir", dataDir.toString());
    processes.add(server);

    int exitCode = server.awaitExit(START_TIMEOUT);

    assertNotEquals(0, exitCode, server.output());
    assertOneLineNaming(server, "/nonexistent.pem");
    assertTrue(server.postgres().isEmpty(), "PostgreSQL left running in " + dataDir);
  }

  @Test
  void start_withPortOutOfRange_exitsNonZeroWithOneLineNamingTheFlag() {
    Path dataDir = tmp.resolve("data");
    ServerProcess server = ServerProcess.start(dataDir,
        "--port", "70000", "--data-dir", dataDir.toString());
    processes.add(server);

    int exitCode = server.awaitExit(START_TIMEOUT);

    assertNotEquals(0, exitCode, server.output());
    assertOneLineNaming(server, "--port", "70000");
    assertFalse(Files.exists(dataDir), "a refused configuration created " + dataDir);
  }

  @Test
  void version_printsThePomVersion_whichTheManifestCarriesToo() throws IOException {
    String version = System.getProperty("audit.version");
    ServerProcess server = ServerProcess.start(tmp.resolve("unused"), "--version");
    processes.add(server);

    assertEquals(0, server.awaitExit(START_TIMEOUT), server.output());
    assertEquals("audit-server " + version, server.lines().get(0), server.output());
    assertTrue(server.lines().get(1).startsWith("Java " + Runtime.version().feature()),
        server.output());
    try (JarFile jar = new JarFile(System.getProperty("audit.server.jar"))) {
      assertEquals(version,
          jar.getManifest().getMainAttributes().getValue("Implementation-Version"));
    }
  }

  private ServerProcess startListening(Path dataDir) {
    ServerProcess server = ServerProcess.start(dataDir,
        "--port", "0", "--data-dir", dataDir.toString());
    processes.add(server);
    server.awaitListening(START_TIMEOUT);
    return server;
  }

  /** Appends a registration failure, then three events in one AppendBatch; returns all four. */
  private static List<AuditEvent> appendOneThenBatchOfThree(AuditLogBlockingStub backend) {
    AuditEvent single = Events.registrationFailure();
    List<AuditEvent> batch = List.of(Events.withAction("user.login"),
        Events.withAction("api_key.create"), Events.withAction("report.export"));

    AppendResponse appended = backend.append(Events.request(single));
    AppendBatchResponse batchResponse =
        backend.appendBatch(AppendBatchRequest.newBuilder().addAllEvents(batch).build());

    assertEquals(1, appended.getSeq());
    assertEquals(List.of(2L, 3L, 4L), batchResponse.getResultsList().stream()
        .map(r -> appendedOrFail(r).getSeq()).toList());
    return Stream.concat(Stream.of(single), batch.stream()).toList();
  }

  private static AppendResponse appendedOrFail(AppendResult result) {
    if (!result.hasAppended()) {
      fail("batch event refused: " + result.getError());
    }
    return result.getAppended();
  }

  private static List<String> eventIds(List<AuditEvent> events) {
    return events.stream().map(AuditEvent::getEventId).toList();
  }

  private static void assertOneLineNaming(ServerProcess server, String... words) {
    List<String> lines =
        server.lines().stream().filter(l -> l.startsWith("audit-server:")).toList();
    assertEquals(1, lines.size(), "one 'audit-server:' line expected:\n" + server.output());
    for (String word : words) {
      assertTrue(lines.get(0).contains(word), "'" + word + "' not in: " + lines.get(0));
    }
    assertFalse(server.output().contains("\tat "), "stack trace in:\n" + server.output());
  }

  /** A blocking stub presenting {@code certs-dev/<client>.pem}, with a 30 s deadline. */
  private AuditLogBlockingStub stub(int port, String client) {
    try {
      ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", port)
          .sslContext(GrpcSslContexts.forClient()
              .trustManager(TestCerts.pem("ca").toFile())
              .keyManager(TestCerts.pem(client).toFile(), TestCerts.key(client).toFile())
              .build())
          .build();
      channels.add(channel);
      return AuditLogGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
    } catch (IOException e) {
      throw new IllegalStateException("client TLS context for " + client, e);
    }
  }
}
