package dev.auditlog.client.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;
import dev.auditlog.api.v1.AppendResponse;
import dev.auditlog.api.v1.Entry;
import dev.auditlog.api.v1.ListResponse;
import dev.auditlog.api.v1.Outcome;
import dev.auditlog.server.AuditServerExtension;
import dev.auditlog.server.Events;
import dev.auditlog.server.TestCerts;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A client without {@code .proto} files: {@code buf curl} learns the API from server
 * reflection and calls it over mutual TLS with the dev certificates, sending and reading the
 * JSON form of the messages. Skipped when buf is not installed ({@code BUF} names the
 * executable, else {@code buf} on the PATH; {@code .ci/run} installs it from npm).
 */
class BufCurlReflectionIT {
  /** One server for the class: each test adds entries of its own. */
  @RegisterExtension
  static final AuditServerExtension server = AuditServerExtension.mutualTls();
  private static Path buf;

  @BeforeAll
  static void findBuf() {
    String configured = System.getenv("BUF");
    buf = configured != null && !configured.isBlank()
        ? Path.of(configured) : ExternalProcess.onPath("buf").orElse(null);
  }

  private static boolean installed() {
    return buf != null && Files.isExecutable(buf);
  }

  @BeforeEach
  void requireBuf() {
    assumeTrue(installed(), "buf is not installed (set BUF to its path)");
  }

  /** {@code buf curl --protocol grpc} as {@code identity}, then {@code args}. */
  private static ExternalProcess bufCurl(String identity, String... args) {
    List<String> command = new ArrayList<>(List.of(buf.toString(), "curl",
        "--protocol", "grpc", "--reflect",
        "--cacert", TestCerts.pem("ca").toString(),
        "--cert", TestCerts.pem(identity).toString(),
        "--key", TestCerts.key(identity).toString()));
    command.addAll(List.of(args));
    return ExternalProcess.run(command, Duration.ofSeconds(60));
  }

  private static String url(String method) {
    return "https://localhost:" + server.port() + "/" + method;
  }

  private static <T extends Message.Builder> T parse(String json, T builder) throws Exception {
    JsonFormat.parser().merge(json, builder);
    return builder;
  }

  @Test
  void listMethods_fromReflectionAlone_namesTheAuditService() {
    ExternalProcess listed = bufCurl("auditor", "--list-methods", url(""));

    assertEquals(0, listed.exitCode(), listed::toString);
    assertTrue(listed.out().contains("audit.v1.AuditLog/Append\n"), listed::toString);
    assertTrue(listed.out().contains("audit.v1.AuditLog/List\n"), listed::toString);
    assertTrue(listed.out().contains("grpc.health.v1.Health/Check\n"), listed::toString);
  }

  @Test
  void appendJsonEventThenList_roundTripsThroughReflection() throws Exception {
    String eventId = UUID.randomUUID().toString();
    String event = "{\"event\": {\"event_id\": \"" + eventId + "\", \"user_id\": \"user-42\","
        + " \"action\": \"user.register\", \"target\": \"tenant/acme\","
        + " \"source_ip\": \"198.51.100.23\", \"outcome\": \"OUTCOME_FAILURE\","
        + " \"occurred_at\": \"2026-11-23T09:15:00.123456Z\","
        + " \"risk_signals\": {\"risk_score\": \"0.91\", \"ip_reputation\": \"bad\"}}}";

    ExternalProcess append =
        bufCurl("auth-backend", "-d", event, url("audit.v1.AuditLog/Append"));
    assertEquals(0, append.exitCode(), append::toString);
    AppendResponse appended = parse(append.out(), AppendResponse.newBuilder()).build();

    ExternalProcess list = bufCurl("auditor", "-d",
        "{\"action\": \"user.register\", \"page_size\": 10}", url("audit.v1.AuditLog/List"));
    assertEquals(0, list.exitCode(), list::toString);
    List<Entry> entries = parse(list.out(), ListResponse.newBuilder()).getEntriesList();

    assertEquals(1, entries.size(), list::toString);
    Entry entry = entries.get(0);
    assertEquals(appended.getSeq(), entry.getSeq());
    assertEquals(appended.getEntryHash(), entry.getEntryHash());
    assertEquals(eventId, entry.getEventId());
    assertEquals(Outcome.OUTCOME_FAILURE, entry.getOutcome());
    assertEquals(Map.of("risk_score", "0.91", "ip_reputation", "bad"), entry.getRiskSignalsMap());
    assertEquals(1_795_425_300L, entry.getOccurredAt().getSeconds());
    assertEquals("auth-backend", entry.getProducer());
    Events.assertChain(entries);
  }

  @Test
  void list_asAnUnauthorizedIdentity_isPermissionDenied() {
    ExternalProcess denied = bufCurl("intruder", "-d", "{}", url("audit.v1.AuditLog/List"));

    assertNotEquals(0, denied.exitCode(), denied::toString);
    assertTrue(denied.err().contains("\"code\": \"permission_denied\""), denied::toString);
  }

  @Test
  void healthCheck_isServing() {
    ExternalProcess health = bufCurl("intruder", url("grpc.health.v1.Health/Check"));

    assertEquals(0, health.exitCode(), health::toString);
    assertTrue(health.out().contains("\"status\": \"SERVING\""), health::toString);
  }
}
