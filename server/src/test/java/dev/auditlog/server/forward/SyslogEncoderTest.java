package dev.auditlog.server.forward;

import static dev.auditlog.server.forward.SyslogTestRecords.EVENT_ID;
import static dev.auditlog.server.forward.SyslogTestRecords.checkpoint;
import static dev.auditlog.server.forward.SyslogTestRecords.entry;
import static dev.auditlog.server.forward.SyslogTestRecords.record;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.auditlog.api.v1.Outcome;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The RFC 5424 header, the plain RFC 5424 format, and octet-counted framing. */
class SyslogEncoderTest {
  private static final int AUTHPRIV = 10;
  private final SyslogEncoder rfc5424 = new SyslogEncoder(AUTHPRIV, "host-1", "audit",
      new Rfc5424Format("audit@32473"));

  @Test
  void rfc5424Entry_isTheHeaderAndOneSdElementWithEveryField_andASummary() {
    String expected = "<86>1 2026-11-23T09:15:00.123Z host-1 audit - entry [audit@32473"
        + " type=\"entry\" log_id=\"default\" seq=\"42\""
        + " recorded_at=\"2026-11-23T09:15:00.123456Z\" event_id=\"" + EVENT_ID + "\""
        + " user_id=\"user-1001\" action=\"user.login\" target=\"account:user-1001\""
        + " source_ip=\"192.0.2.10\" outcome=\"OUTCOME_SUCCESS\""
        + " occurred_at=\"2026-11-23T09:14:59.987654Z\""
        + " risk_signals=\"{\\\"score\\\":\\\"0.87\\\"}\""
        + " attributes=\"{\\\"method\\\":\\\"email\\\"}\" producer=\"auth-backend\""
        + " entry_hash=\"" + "ab".repeat(32) + "\" chain_hash=\"" + "cd".repeat(32) + "\"]"
        + " audit entry seq=42 action=user.login outcome=OUTCOME_SUCCESS";

    assertEquals(expected, rfc5424.message(record(entry(42))));
  }

  @Test
  void paramValues_escapeQuotesBackslashesAndBrackets_soNoValueClosesTheElement() {
    String sd = new Rfc5424Format("audit@32473").structuredData(
        record(entry(1).setTarget("x\"] [evil@1 a=\"b\\")));

    assertTrue(sd.contains(" target=\"x\\\"\\] [evil@1 a=\\\"b\\\\\" "), sd);
    assertEquals(1, sd.replace("\\]", "").chars().filter(c -> c == ']').count(),
        "one unescaped ']': the end of the element");
  }

  @Test
  void pri_isTheFacilityTimes8PlusTheSeverityOfTheOutcome() {
    assertEquals("<86>", pri(rfc5424, Outcome.OUTCOME_SUCCESS));
    assertEquals("<85>", pri(rfc5424, Outcome.OUTCOME_FAILURE));
    assertEquals("<85>", pri(rfc5424, Outcome.OUTCOME_ERROR));
    assertEquals("<84>", pri(rfc5424, Outcome.OUTCOME_DENIED));
    SyslogEncoder local4 = new SyslogEncoder(SyslogEncoder.FACILITIES.get("local4"), "h", "a",
        new Rfc5424Format("audit@32473"));
    assertEquals("<166>", pri(local4, Outcome.OUTCOME_SUCCESS));
  }

  @Test
  void checkpoint_hasTheMsgIdCheckpoint_andItsOwnSummary() {
    String message = rfc5424.message(checkpoint(42));

    assertTrue(message.startsWith("<86>1 2026-11-23T09:16:00.000Z host-1 audit - checkpoint"
        + " [audit@32473 type=\"checkpoint\" log_id=\"default\" seq=\"42\""), message);
    assertTrue(message.contains(" key_id=\"" + "ee".repeat(32) + "\" signature=\"AQID\"]"));
    assertTrue(message.endsWith("] audit checkpoint seq=42"), message);
  }

  @Test
  void leefAndCef_haveNoStructuredData_andTheirTextAsTheMsg() {
    SyslogEncoder leef = new SyslogEncoder(AUTHPRIV, "h", "audit", new LeefFormat("v", "p",
        "1"));
    SyslogEncoder cef = new SyslogEncoder(AUTHPRIV, "h", "audit", new CefFormat("v", "p", "1"));

    assertTrue(leef.message(record(entry(1))).startsWith(
        "<86>1 2026-11-23T09:15:00.123Z h audit - entry - LEEF:2.0|v|p|1|user.login|x09|cat="));
    assertTrue(cef.message(record(entry(1))).startsWith(
        "<86>1 2026-11-23T09:15:00.123Z h audit - entry - CEF:0|v|p|1|user.login|"));
  }

  @Test
  void frame_countsTheUtf8Bytes_notTheCharacters() {
    String text = "<86>1 - h a - entry - é😀";
    byte[] message = text.getBytes(StandardCharsets.UTF_8);

    byte[] frame = SyslogEncoder.frame(message);

    assertEquals(25, text.length(), "22 ASCII characters, é, and 😀 as 2 UTF-16 chars");
    assertEquals(28, message.length, "22 + 2 bytes for é + 4 bytes for 😀");
    byte[] expected = ("28 " + text).getBytes(StandardCharsets.UTF_8);
    assertArrayEquals(expected, frame);
  }

  @Test
  void encodedBytes_areTheMessageInUtf8_withoutAByteOrderMark() {
    byte[] bytes = rfc5424.bytes(record(entry(1).setUserId("é")));

    assertEquals('<', bytes[0]);
    assertEquals(rfc5424.message(record(entry(1).setUserId("é"))),
        new String(bytes, StandardCharsets.UTF_8));
  }

  @Test
  void hostnameOrAppNameWithSpaces_isRefused() {
    assertThrows(IllegalArgumentException.class, () -> new SyslogEncoder(AUTHPRIV, "my host",
        "audit", new Rfc5424Format("audit@32473")));
    assertThrows(IllegalArgumentException.class, () -> new SyslogEncoder(AUTHPRIV, "h",
        "a".repeat(49), new Rfc5424Format("audit@32473")));
  }

  private static String pri(SyslogEncoder encoder, Outcome outcome) {
    String m = encoder.message(record(entry(1).setOutcome(outcome)));
    return m.substring(0, m.indexOf('>') + 1);
  }
}
