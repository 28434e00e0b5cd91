package dev.auditlog.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import dev.auditlog.api.v1.AppendBatchRequest;
import dev.auditlog.api.v1.AuditEvent;
import dev.auditlog.api.v1.AuditLogGrpc;
import dev.auditlog.api.v1.AuditLogGrpc.AuditLogBlockingStub;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.IOException;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The server jar's log as an operator's log pipeline gets it, with {@code --log-format json}:
 * every line one JSON object; a start that says what matters in a few INFO lines, with the
 * embedded PostgreSQL's own output in its file; failed calls logged with caller, method and
 * status; and no value of an event in any line, not even of one refused for that value.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class LogOutputIT {
  private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
  private static final int MAX_START_INFO_LINES = 10;

  @TempDir Path tmp;

  private final List<ManagedChannel> channels = new ArrayList<>();
  private ServerProcess server;

  @AfterEach
  void stop() {
    channels.forEach(ManagedChannel::shutdownNow);
    if (server != null) {
      server.kill();
    }
  }

  @Test
  void jsonLogs_everyLineAnObject_fewStartLines_noEventContent() throws IOException {
    Path dataDir = tmp.resolve("data");
    server = ServerProcess.start(dataDir, "--port", "0", "--log-format", "json");
    server.awaitListening(START_TIMEOUT);
    List<JsonObject> start = objects(server.lines());

    String marker = "user-" + UUID.randomUUID();
    AuditLogBlockingStub backend = stub("auth-backend");
    backend.append(Events.request(Events.registrationFailure().toBuilder().setUserId(marker)
        .putAttributes("note", marker).build()));
    backend.appendBatch(AppendBatchRequest.newBuilder()
        .addEvents(Events.withAction("user.login").toBuilder().setUserId(marker))
        .addEvents(Events.withAction("bad action " + marker)).build());
    AuditEvent refused = Events.registrationFailure().toBuilder().setSourceIp(marker).build();
    assertCode(Status.Code.INVALID_ARGUMENT, () -> backend.append(Events.request(refused)));
    assertCode(Status.Code.PERMISSION_DENIED,
        () -> stub("intruder").append(Events.request(Events.registrationFailure())));
    int exit = server.stopGracefully();

    assertTrue(exit == 0 || exit == 128 + 15, "exit " + exit + "\n" + server.output());
    List<JsonObject> all = objects(server.lines());
    assertStartSaysWhatMatters(start);
    assertFalse(server.output().contains(marker), "event content in the log:\n"
        + server.output());
    assertRequestLogged(all, "auth-backend", "audit.v1.AuditLog/Append", "INVALID_ARGUMENT");
    assertRequestLogged(all, "intruder", "audit.v1.AuditLog/Append", "PERMISSION_DENIED");
    String postgresLog = Files.readString(dataDir.resolve("postgres.log"));
    assertTrue(postgresLog.contains("database system is ready to accept connections"),
        postgresLog);
  }

  /** At most ten INFO lines up to "listening", naming the database, schema and key. */
  private static void assertStartSaysWhatMatters(List<JsonObject> lines) {
    List<JsonObject> start = new ArrayList<>();
    for (JsonObject o : lines) {
      start.add(o);
      if (o.get("formattedMessage").getAsString().startsWith("audit server listening on")) {
        break;
      }
    }
    List<String> info = start.stream()
        .filter(o -> o.get("level").getAsString().equals("INFO"))
        .map(o -> o.get("formattedMessage").getAsString()).toList();
    assertTrue(info.size() <= MAX_START_INFO_LINES, info.size() + " INFO lines:\n"
        + String.join("\n", info));
    String text = String.join("\n", info);
    for (String expected : List.of("embedded PostgreSQL on 127.0.0.1:", "postgres.log",
        "database PostgreSQL 18", "schema audit at version", "signed with Ed25519 key",
        "audit server listening on 127.0.0.1:", "TLS provider BoringSSL")) {
      assertTrue(text.contains(expected), "'" + expected + "' not in:\n" + text);
    }
    assertFalse(text.contains("initdb") || text.contains("Hikari"), text);
    for (JsonObject o : start) {
      for (String field : List.of("timestamp", "level", "threadName", "loggerName",
          "formattedMessage")) {
        assertTrue(o.has(field), field + " missing in " + o);
      }
    }
  }

  private static void assertRequestLogged(List<JsonObject> lines, String caller, String method,
      String status) {
    boolean found = lines.stream().map(o -> o.getAsJsonObject("mdc"))
        .anyMatch(mdc -> mdc != null && mdc.has("caller")
            && caller.equals(mdc.get("caller").getAsString())
            && method.equals(mdc.get("grpc_method").getAsString())
            && status.equals(mdc.get("grpc_status").getAsString()));
    assertTrue(found, "no request log line of " + caller + " " + method + " " + status + " in:\n"
        + String.join("\n", lines.stream().map(JsonObject::toString).toList()));
  }

  /** Each line parsed strictly as one JSON object, nothing before or after it. */
  private static List<JsonObject> objects(List<String> lines) throws IOException {
    List<JsonObject> objects = new ArrayList<>();
    for (String line : lines) {
      JsonReader reader = new JsonReader(new StringReader(line));
      reader.setStrictness(Strictness.STRICT);
      try {
        objects.add(JsonParser.parseReader(reader).getAsJsonObject());
        assertEquals(JsonToken.END_DOCUMENT, reader.peek(), "more after the object: " + line);
      } catch (RuntimeException e) {
        throw new AssertionError("not one JSON object: " + line, e);
      }
    }
    return objects;
  }

  private static void assertCode(Status.Code expected, Runnable call) {
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, call::run);
    assertEquals(expected, e.getStatus().getCode(), e.getStatus().toString());
  }

  private AuditLogBlockingStub stub(String client) {
    try {
      ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", server.port())
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
