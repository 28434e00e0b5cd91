package dev.auditlog.server.forward;

import static dev.auditlog.server.forward.SyslogTestRecords.checkpoint;
import static dev.auditlog.server.forward.SyslogTestRecords.entry;
import static dev.auditlog.server.forward.SyslogTestRecords.record;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.auditlog.server.TestCerts;
import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The syslog destination against a receiver on loopback: a delivery counts only when the
 * receiver closes in answer to our close; and its settings, whose errors name the key.
 */
class SyslogDestinationTest {
  private static final List<ForwardRecord> BATCH = List.of(record(entry(1)), checkpoint(1),
      record(entry(2).setUserId("é😀")));

  private FakeSyslogReceiver receiver;
  private SyslogDestination destination;

  @AfterEach
  void close() throws IOException {
    if (destination != null) {
      destination.close();
    }
    if (receiver != null) {
      receiver.close();
    }
  }

  @Test
  void receiverThatClosesInAnswer_provesTheWholeBatch_andHoldsEveryMessageInOrder()
      throws Exception {
    receiver = new FakeSyslogReceiver(FakeSyslogReceiver.serverTls());
    destination = destination("\"format\": \"cef\"");

    assertEquals(3, destination.deliver(BATCH));

    SyslogEncoder encoder = new SyslogEncoder(10, "test-host", "audit",
        new CefFormat("auditlog", "audit-log-server", "1.0"));
    assertEquals(BATCH.stream().map(encoder::message).toList(), receiver.messages);
  }

  @Test
  void receiverThatDiesAfterReading_provesNothing_soTheBatchIsSentAgain() throws Exception {
    receiver = new FakeSyslogReceiver(FakeSyslogReceiver.serverTls());
    receiver.ending = FakeSyslogReceiver.Ending.DIE;
    destination = destination("\"format\": \"leef\"");

    DeliveryException e = assertThrows(DeliveryException.class,
        () -> destination.deliver(BATCH));

    assertEquals(DeliveryException.Kind.RETRY, e.kind());
    assertEquals(0, e.delivered());
    assertTrue(e.getMessage().contains("not proved received"), e.getMessage());
    assertTrue(e.getMessage().contains("without a TLS close_notify"), e.getMessage());
    assertEquals(3, receiver.messages.size(), "it had read them: they arrive twice");
  }

  @Test
  void receiverThatNeverCloses_provesNothing_withinTheTimeout() throws Exception {
    receiver = new FakeSyslogReceiver(FakeSyslogReceiver.serverTls());
    receiver.ending = FakeSyslogReceiver.Ending.NEVER;
    destination = destination("\"format\": \"rfc5424\"");
    long start = System.nanoTime();

    DeliveryException e = assertThrows(DeliveryException.class,
        () -> destination.deliver(BATCH));

    assertEquals(DeliveryException.Kind.RETRY, e.kind());
    assertEquals(0, e.delivered());
    Duration took = Duration.ofNanos(System.nanoTime() - start);
    assertTrue(took.compareTo(Duration.ofSeconds(10)) < 0, "bounded by timeout_ms: " + took);
  }

  @Test
  void unreachableReceiver_isRetryable() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    destination = SyslogDestination.create("siem", settings("\"host\": \"localhost\", \"port\": "
        + port + ", \"format\": \"leef\""));

    DeliveryException e = assertThrows(DeliveryException.class,
        () -> destination.deliver(BATCH));

    assertEquals(DeliveryException.Kind.RETRY, e.kind());
    assertTrue(e.getMessage().startsWith("siem: cannot connect to localhost:" + port),
        e.getMessage());
  }

  @Test
  void receiverWithACertificateOfAnotherCa_getsNothing() throws Exception {
    receiver = new FakeSyslogReceiver(FakeSyslogReceiver.serverTls());
    destination = SyslogDestination.create("siem", settings("\"host\": \"localhost\","
        + " \"port\": " + receiver.port() + ", \"format\": \"leef\", \"tls\": {\"ca_file\": \""
        + TestCerts.pem("other-ca") + "\"}"));

    DeliveryException e = assertThrows(DeliveryException.class,
        () -> destination.deliver(BATCH));

    assertEquals(DeliveryException.Kind.RETRY, e.kind());
    assertTrue(receiver.messages.isEmpty());
  }

  @Test
  void recordLargerThanMaxMessageBytes_isNotSent_butTheOnesBeforeItAre() throws Exception {
    receiver = new FakeSyslogReceiver(FakeSyslogReceiver.serverTls());
    destination = destination("\"format\": \"leef\", \"max_message_bytes\": 2048");
    ForwardRecord large = record(entry(2).setTarget("x".repeat(2048)));

    assertEquals(1, destination.deliver(List.of(record(entry(1)), large)));
    DeliveryException e = assertThrows(DeliveryException.class,
        () -> destination.deliver(List.of(large)));

    assertEquals(DeliveryException.Kind.TOO_LARGE, e.kind());
    assertTrue(e.getMessage().contains("entry at seq 2 is a syslog message of"), e.getMessage());
    assertEquals(1, receiver.messages.size());
  }

  @Test
  void plainTcp_onlyWhenTlsIsDisabled_provesByTheReceiversClose() throws Exception {
    receiver = new FakeSyslogReceiver(null);
    destination = SyslogDestination.create("siem", settings("\"host\": \"127.0.0.1\","
        + " \"port\": " + receiver.port() + ", \"format\": \"rfc5424\", \"hostname\":"
        + " \"test-host\", \"tls\": {\"enabled\": false}"));

    assertEquals(3, destination.deliver(BATCH));
    assertEquals(3, receiver.messages.size());
  }

  @Test
  void validSettings_makeASyslogDestination() {
    ForwardingConfig config = ForwardingConfig.parse(top("\"host\": \"siem.example\","
        + " \"format\": \"leef\", \"facility\": \"local4\", \"app_name\": \"audit-prod\","
        + " \"vendor\": \"Example\", \"product\": \"Audit\", \"product_version\": \"2\","
        + " \"timeout_ms\": 5000, \"max_message_bytes\": 65536"));
    try {
      assertInstanceOf(SyslogDestination.class, config.destinations().get(0));
    } finally {
      config.destinations().forEach(Destination::close);
    }
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "\"format\": \"leef\"|destinations[0].host must be required",
      "\"host\": \"a b\", \"format\": \"leef\"|destinations[0].host must be a host name",
      "\"host\": \"h\"|destinations[0].format must be required",
      "\"host\": \"h\", \"format\": \"json\"|destinations[0].format must be one of [cef, leef,"
          + " rfc5424], got 'json'",
      "\"host\": \"h\", \"format\": \"cef\", \"port\": 70000|destinations[0].port must be an"
          + " integer from 1 to 65535",
      "\"host\": \"h\", \"format\": \"cef\", \"facility\": \"local9\"|destinations[0].facility"
          + " must be one of",
      "\"host\": \"h\", \"format\": \"cef\", \"hostname\": \"my host\"|destinations[0].hostname"
          + " must be 1 to 255 printable",
      "\"host\": \"h\", \"format\": \"cef\", \"app_name\": \"a-name-longer-than-forty-eight-"
          + "characters-is-too-long\"|destinations[0].app_name must be 1 to 48",
      "\"host\": \"h\", \"format\": \"cef\", \"vendor\": \"a\\nb\"|destinations[0].vendor must"
          + " be at most 63 characters without control characters",
      "\"host\": \"h\", \"format\": \"cef\", \"max_message_bytes\": 100|destinations[0]"
          + ".max_message_bytes must be an integer from 2048",
      "\"host\": \"h\", \"format\": \"rfc5424\", \"sd_id\": \"audit\"|destinations[0].sd_id must"
          + " be an SD-ID name@PEN",
      "\"host\": \"h\", \"format\": \"rfc5424\", \"vendor\": \"x\"|unknown keys in the forwarding"
          + " configuration: [destinations[0].vendor]",
      "\"host\": \"h\", \"format\": \"leef\", \"sd_id\": \"a@1\"|unknown keys in the forwarding"
          + " configuration: [destinations[0].sd_id]",
      "\"host\": \"h\", \"format\": \"leef\", \"tls\": {\"ca_fil\": \"x\"}|unknown keys in the"
          + " forwarding configuration: [destinations[0].tls.ca_fil]",
      "\"host\": \"h\", \"format\": \"leef\", \"tls\": {\"enabled\": false, \"ca_file\": \"/x\"}"
          + "|destinations[0].tls.ca_file must be absent when destinations[0].tls.enabled is"
          + " false",
      "\"host\": \"h\", \"format\": \"leef\", \"tls\": {\"enabled\": \"no\"}|destinations[0]"
          + ".tls.enabled must be true or false",
  })
  void badSettings_areRefused_namingTheKey(String members, String message) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> ForwardingConfig.parse(top(members)).destinations().forEach(Destination::close));

    assertTrue(e.getMessage().startsWith(message), e.getMessage());
  }

  private SyslogDestination destination(String members) {
    return SyslogDestination.create("siem", settings("\"host\": \"localhost\", \"port\": "
        + receiver.port() + ", \"hostname\": \"test-host\", \"timeout_ms\": 2000, \"tls\":"
        + " {\"ca_file\": \"" + TestCerts.pem("ca") + "\"}, " + members));
  }

  private static Settings settings(String members) {
    return new Settings("destinations[0]", JsonParser.parseString("{" + members + "}")
        .getAsJsonObject(), name -> null);
  }

  private static Settings top(String members) {
    JsonObject root = JsonParser.parseString("{\"destinations\": [{\"name\": \"siem\","
        + " \"type\": \"syslog\", " + members + "}]}").getAsJsonObject();
    return new Settings("", root, name -> null);
  }
}
