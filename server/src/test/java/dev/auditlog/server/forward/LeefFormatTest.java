package dev.auditlog.server.forward;

import static dev.auditlog.server.forward.SyslogTestRecords.EVENT_ID;
import static dev.auditlog.server.forward.SyslogTestRecords.checkpoint;
import static dev.auditlog.server.forward.SyslogTestRecords.entry;
import static dev.auditlog.server.forward.SyslogTestRecords.record;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.auditlog.api.v1.Outcome;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** LEEF 2.0: the header, QRadar's predefined keys, every field exactly, and the escapes. */
class LeefFormatTest {
  private final LeefFormat leef = new LeefFormat("auditlog", "audit-log-server", "1.0");

  @Test
  void entry_isTheLeef20HeaderWithATabDelimiter_thenPredefinedKeys_thenEveryFieldByName() {
    String expected = "LEEF:2.0|auditlog|audit-log-server|1.0|user.login|x09|"
        + String.join("\t", "cat=entry", "devTime=2026-11-23T09:15:00.123Z",
            "devTimeFormat=yyyy-MM-dd'T'HH:mm:ss.SSSX", "sev=1", "usrName=user-1001",
            "src=192.0.2.10", "log_id=default", "seq=42",
            "recorded_at=2026-11-23T09:15:00.123456Z", "event_id=" + EVENT_ID,
            "user_id=user-1001", "action=user.login", "target=account:user-1001",
            "source_ip=192.0.2.10", "outcome=OUTCOME_SUCCESS",
            "occurred_at=2026-11-23T09:14:59.987654Z", "risk_signals={\"score\":\"0.87\"}",
            "attributes={\"method\":\"email\"}", "producer=auth-backend",
            "entry_hash=" + "ab".repeat(32), "chain_hash=" + "cd".repeat(32));

    assertEquals(expected, leef.msg(record(entry(42))));
    assertEquals("-", leef.structuredData(record(entry(42))));
  }

  @Test
  void tabsBackslashesAndLineBreaksInValues_areEscaped_soNoValueForgesAnAttribute() {
    String msg = leef.msg(record(entry(1).setUserId("eve\tusrName=admin\\\n\r")));

    Map<String, String> attributes = attributes(msg);
    assertEquals("eve\\tusrName=admin\\\\\\n\\r", attributes.get("usrName"));
    assertEquals(attributes.get("usrName"), attributes.get("user_id"));
    assertEquals(21, msg.split("\t").length, "no extra attribute");
  }

  @Test
  void everyField_comesBackExactly_byReversingTheEscapes() {
    ForwardRecord r = record(entry(7).setTarget("a\tb\\c\nd|e=f é 😀")
        .putAttributes("k\t=", "v\\\"\n"));

    Map<String, String> attributes = attributes(leef.msg(r));

    r.members().forEach((key, member) -> {
      if (!key.equals("type")) {
        assertEquals(SyslogFormat.text(member), unescape(attributes.get(key)), key);
      }
    });
  }

  @Test
  void pipesInTheEventId_areEscapedInTheHeader() {
    String msg = leef.msg(record(entry(1).setAction("user|login\\x")));

    assertEquals("LEEF:2.0|auditlog|audit-log-server|1.0|user\\|login\\\\x|x09|",
        msg.substring(0, msg.indexOf("cat=")));
  }

  @Test
  void emptyUserAndSource_areLeftOutOfThePredefinedKeys_butKeptByName() {
    Map<String, String> a = attributes(leef.msg(record(entry(1).setUserId("").setSourceIp("")
        .setAction(""))));

    assertFalse(a.containsKey("usrName"));
    assertFalse(a.containsKey("src"));
    assertEquals("", a.get("user_id"));
    assertEquals("", a.get("source_ip"));
  }

  @Test
  void anEmptyAction_hasTheEventIdAuditEntry_andADenialSeverity5() {
    String msg = leef.msg(record(entry(1).setAction("").setOutcome(Outcome.OUTCOME_DENIED)));

    assertEquals("audit.entry", msg.split("\\|")[4]);
    assertEquals("5", attributes(msg).get("sev"));
  }

  @Test
  void checkpoint_hasItsOwnEventIdAndCategory_withTheKeyIdAndSignature() {
    String msg = leef.msg(checkpoint(42));

    assertEquals("audit.checkpoint", msg.split("\\|")[4]);
    Map<String, String> a = attributes(msg);
    assertEquals(List.of("cat", "devTime", "devTimeFormat", "sev", "log_id", "seq",
        "chain_hash", "recorded_at", "key_id", "signature"), List.copyOf(a.keySet()));
    assertEquals("checkpoint", a.get("cat"));
    assertEquals("ee".repeat(32), a.get("key_id"));
    assertEquals("AQID", a.get("signature"));
  }

  /** The attributes after the header, split at tabs and each at its first '='. */
  static Map<String, String> attributes(String msg) {
    String body = msg.substring(msg.indexOf("|x09|") + 5);
    Map<String, String> out = new LinkedHashMap<>();
    Arrays.stream(body.split("\t")).forEach(kv -> {
      int eq = kv.indexOf('=');
      out.put(kv.substring(0, eq), kv.substring(eq + 1));
    });
    return out;
  }

  static String unescape(String s) {
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c != '\\') {
        out.append(c);
        continue;
      }
      char next = s.charAt(++i);
      out.append(switch (next) {
        case 't' -> '\t';
        case 'n' -> '\n';
        case 'r' -> '\r';
        default -> next;
      });
    }
    return out.toString();
  }
}
