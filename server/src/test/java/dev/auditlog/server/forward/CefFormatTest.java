package dev.auditlog.server.forward;

import static dev.auditlog.server.forward.SyslogTestRecords.EVENT_ID;
import static dev.auditlog.server.forward.SyslogTestRecords.checkpoint;
import static dev.auditlog.server.forward.SyslogTestRecords.entry;
import static dev.auditlog.server.forward.SyslogTestRecords.record;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.auditlog.api.v1.Outcome;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** CEF: the header, the standard keys and labelled custom strings, and CEF's escapes. */
class CefFormatTest {
  private static final long RT = Instant.parse("2026-11-23T09:15:00.123456Z").toEpochMilli();
  private static final long START = Instant.parse("2026-11-23T09:14:59.987654Z").toEpochMilli();

  private final CefFormat cef = new CefFormat("auditlog", "audit-log-server", "1.0");

  @Test
  void entry_mapsFieldsToStandardKeys_labelledCustomStrings_andExactFieldsByName() {
    String expected = "CEF:0|auditlog|audit-log-server|1.0|user.login|user.login|1|"
        + String.join(" ", "cat=entry", "deviceExternalId=default", "rt=" + RT,
            "start=" + START, "suser=user-1001", "act=user.login", "outcome=OUTCOME_SUCCESS",
            "src=192.0.2.10", "cs1=42", "cs1Label=seq",
            "cs2=" + EVENT_ID, "cs2Label=event_id", "cs3=account:user-1001",
            "cs3Label=target", "cs4=auth-backend", "cs4Label=producer",
            "cs5=" + "ab".repeat(32), "cs5Label=entry_hash", "cs6=" + "cd".repeat(32),
            "cs6Label=chain_hash", "recorded_at=2026-11-23T09:15:00.123456Z",
            "occurred_at=2026-11-23T09:14:59.987654Z",
            "risk_signals={\"score\":\"0.87\"}", "attributes={\"method\":\"email\"}");

    assertEquals(expected, cef.msg(record(entry(42))));
  }

  @Test
  void equalsSignsBackslashesAndLineBreaks_areEscaped_soNoValueForgesAKey() {
    String msg = cef.msg(record(entry(1).setUserId("eve act=delete\\\n\r")));

    Map<String, String> ext = extensions(msg);
    assertEquals("eve act\\=delete\\\\\\n\\r", ext.get("suser"));
    assertEquals("user.login", ext.get("act"));
  }

  @Test
  void everyField_comesBackExactly_byReversingTheEscapes() {
    ForwardRecord r = record(entry(9).setUserId("a=b \\ c\nd|e é 😀").setAction("x=y")
        .setTarget("t=1 cs1=2").putRiskSignals("k=", "v\\\n"));

    Map<String, String> ext = extensions(cef.msg(r));
    Map<String, Object> m = r.members();

    assertEquals(m.get("user_id"), unescape(ext.get("suser")));
    assertEquals(m.get("action"), unescape(ext.get("act")));
    assertEquals("9", ext.get("cs1"));
    assertEquals(m.get("target"), unescape(ext.get("cs3")));
    assertEquals(SyslogFormat.text(m.get("risk_signals")), unescape(ext.get("risk_signals")));
  }

  @Test
  void pipesAndBackslashesInTheHeader_areEscaped() {
    String msg = cef.msg(record(entry(1).setAction("user|login\\x")));

    assertEquals("CEF:0|auditlog|audit-log-server|1.0|user\\|login\\\\x|user\\|login\\\\x|1|",
        msg.substring(0, msg.indexOf("cat=")));
  }

  @Test
  void anIpv6Source_goesToC6a2WithItsLabel_notToSrc() {
    Map<String, String> ext = extensions(cef.msg(record(entry(1).setSourceIp("2001:db8::1"))));

    assertEquals("2001:db8::1", ext.get("c6a2"));
    assertEquals("source_ip", ext.get("c6a2Label"));
    assertFalse(ext.containsKey("src"));
  }

  @Test
  void emptyFields_leaveTheirStandardKeysOut_andTheSeverityFollowsTheOutcome() {
    String msg = cef.msg(record(entry(1).setUserId("").setAction("").setSourceIp("")
        .clearOccurredAt().setOutcome(Outcome.OUTCOME_DENIED)));

    assertEquals("CEF:0|auditlog|audit-log-server|1.0|audit.entry|audit entry|5|",
        msg.substring(0, msg.indexOf("cat=")));
    Map<String, String> ext = extensions(msg);
    for (String absent : new String[] {"suser", "act", "src", "c6a2", "start"}) {
      assertFalse(ext.containsKey(absent), absent);
    }
    assertEquals("", ext.get("occurred_at"));
  }

  @Test
  void checkpoint_hasItsOwnSignatureIdAndCategory_withTheKeyIdAndSignature() {
    String msg = cef.msg(checkpoint(42));

    assertEquals("CEF:0|auditlog|audit-log-server|1.0|audit.checkpoint|audit checkpoint|1|",
        msg.substring(0, msg.indexOf("cat=")));
    Map<String, String> ext = extensions(msg);
    assertEquals("checkpoint", ext.get("cat"));
    assertEquals("42", ext.get("cs1"));
    assertEquals("key_id", ext.get("cs2Label"));
    assertEquals("ee".repeat(32), ext.get("cs2"));
    assertEquals("AQID", ext.get("cs3"));
    assertEquals("cd".repeat(32), ext.get("cs6"));
    assertEquals("2026-11-23T09:16:00.000000Z", ext.get("recorded_at"));
  }

  private static final Pattern KEY = Pattern.compile("(?:^| )([A-Za-z0-9_]+)=");

  /**
   * The extensions after the header, as a CEF reader splits them: a key is a word before a
   * '=' at the start or after a space (a '=' in a value is escaped); its value runs to the
   * next key.
   */
  static Map<String, String> extensions(String msg) {
    String body = msg.substring(nthPipe(msg, 7) + 1);
    Map<String, String> out = new LinkedHashMap<>();
    Matcher k = KEY.matcher(body);
    String key = null;
    int valueStart = 0;
    while (k.find()) {
      if (key != null) {
        out.put(key, body.substring(valueStart, k.start()));
      }
      key = k.group(1);
      valueStart = k.end();
    }
    out.put(key, body.substring(valueStart));
    return out;
  }

  private static int nthPipe(String s, int n) {
    int at = -1;
    for (int found = 0; found < n; ) {
      at++;
      if (s.charAt(at) == '\\') {
        at++;
      } else if (s.charAt(at) == '|') {
        found++;
      }
    }
    return at;
  }

  static String unescape(String s) {
    return LeefFormatTest.unescape(s);
  }
}
