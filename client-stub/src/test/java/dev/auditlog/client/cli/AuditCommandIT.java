package dev.auditlog.client.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonParser;
import com.google.protobuf.util.JsonFormat;
import dev.auditlog.api.v1.Entry;
import dev.auditlog.api.v1.Outcome;
import dev.auditlog.server.AuditServerExtension;
import dev.auditlog.server.Events;
import dev.auditlog.server.ServerConfig;
import dev.auditlog.server.TestCerts;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The {@code audit} command run in this JVM against the real server. */
class AuditCommandIT {
  @TempDir
  Path dir;

  @RegisterExtension
  final AuditServerExtension server = AuditServerExtension.mutualTls()
      .configure(b -> b.log("tenant-a", ServerConfig.DEFAULT_DATABASE)
          .logAppender("tenant-a", "auth-backend").logReader("*", "auditor"));
  private String out;
  private String err;

  /** Runs {@code audit <args>} as {@code identity} against the test server. */
  private int audit(String identity, String... args) {
    return auditAt("localhost:" + server.port(), identity, args);
  }

  private int auditAt(String target, String identity, String... args) {
    List<String> all = new ArrayList<>(List.of(args));
    all.addAll(List.of("--target", target, "--ca", TestCerts.pem("ca").toString(),
        "--cert", TestCerts.pem(identity).toString(), "--key", TestCerts.key(identity).toString()));
    return run(all.toArray(String[]::new));
  }

  private int run(String... args) {
    StringWriter o = new StringWriter();
    StringWriter e = new StringWriter();
    int code = AuditCommand.commandLine(new PrintWriter(o), new PrintWriter(e)).execute(args);
    out = o.toString();
    err = e.toString();
    return code;
  }

  private List<Entry> entries() throws Exception {
    List<Entry> entries = new ArrayList<>();
    for (String line : out.strip().split("\n")) {
      if (!line.isEmpty()) {
        Entry.Builder b = Entry.newBuilder();
        JsonFormat.parser().merge(line, b);
        entries.add(b.build());
      }
    }
    return entries;
  }

  @Test
  void append_registrationFailureFromFlags_isListedBackAsJsonLine() throws Exception {
    int appended = audit("auth-backend", "append", "--action", "user.register",
        "--outcome", "failure", "--user", "user-42", "--on", "tenant/acme",
        "--source-ip", "198.51.100.23", "--risk", "risk_score=0.91", "--risk", "ip_reputation=bad");
    assertEquals(0, appended, err);
    assertTrue(out.startsWith("{\"event_id\":\""), out);
    assertTrue(out.contains("\"seq\":\"1\""), out);

    assertEquals(0, audit("auditor", "list", "--action", "user.register"), err);

    Entry entry = entries().get(0);
    assertEquals("user-42", entry.getUserId());
    assertEquals("tenant/acme", entry.getTarget());
    assertEquals(Outcome.OUTCOME_FAILURE, entry.getOutcome());
    assertEquals(Map.of("risk_score", "0.91", "ip_reputation", "bad"),
        entry.getRiskSignalsMap());
    assertTrue(out.contains("\"risk_signals\":{"), "proto field names: " + out);
  }

  @Test
  void append_jsonEvent_isStoredAsGiven() throws Exception {
    String json = JsonFormat.printer().print(Events.registrationFailure());

    assertEquals(0, audit("auth-backend", "append", "--json", json), err);
    assertEquals(0, audit("auditor", "list"), err);

    Entry entry = entries().get(0);
    assertEquals(Events.registrationFailure().getOccurredAt(), entry.getOccurredAt());
    assertEquals("email already registered", entry.getAttributesOrThrow("reason"));
  }

  @Test
  void append_appendRequestJsonAsGrpcurlSendsIt_isAccepted() throws Exception {
    String json = "{\"event\": {\"action\": \"user.logout\", \"outcome\": \"OUTCOME_SUCCESS\"}}";

    assertEquals(0, audit("auth-backend", "append", "--json", json), err);
  }

  @Test
  void list_all_followsPagesToTheLastEntry() throws Exception {
    for (int i = 0; i < 5; i++) {
      assertEquals(0, audit("auth-backend", "append", "--action", "user.login",
          "--outcome", "success"), err);
    }

    assertEquals(0, audit("auditor", "list", "--all", "--page-size", "2"), err);

    assertEquals(List.of(1L, 2L, 3L, 4L, 5L),
        entries().stream().map(Entry::getSeq).toList());
    Events.assertChain(entries());
  }

  @Test
  void list_onePage_printsTheNextPageTokenOnStandardError() throws Exception {
    for (int i = 0; i < 3; i++) {
      audit("auth-backend", "append", "--action", "user.login", "--outcome", "success");
    }

    assertEquals(0, audit("auditor", "list", "--page-size", "2"), err);

    assertEquals(2, entries().size());
    assertTrue(err.startsWith("audit: more entries: --page-token "), err);
  }

  @Test
  void list_searchFlags_selectTheEntriesThatMeetThemAll() throws Exception {
    audit("auth-backend", "append", "--action", "user.login", "--outcome", "failure",
        "--user", "alice", "--on", "tenant/acme", "--source-ip", "10.1.2.3");
    audit("auth-backend", "append", "--action", "user.logout", "--outcome", "success",
        "--user", "alice", "--on", "tenant/acme", "--source-ip", "2001:db8::7");
    audit("auth-backend", "append", "--action", "config.change", "--outcome", "failure",
        "--user-id", "bob", "--on", "tenant/beta", "--source-ip", "10.9.9.9");

    assertEquals(0, audit("auditor", "list", "--action-prefix", "user.", "--user-id", "alice",
        "--on", "tenant/acme", "--producer", "auth-backend", "--source-ip", "10.0.0.0/8",
        "--outcome", "failure"), err);
    assertEquals(List.of(1L), entries().stream().map(Entry::getSeq).toList());
    assertEquals(0, audit("auditor", "list", "--source-ip", "2001:db8::/32"), err);
    assertEquals(List.of(2L), entries().stream().map(Entry::getSeq).toList());
    assertEquals(0, audit("auditor", "list", "--outcome", "FAILURE", "--all"), err);
    assertEquals(List.of(1L, 3L), entries().stream().map(Entry::getSeq).toList());
    // append and list take both spellings of the user flag
    assertEquals(0, audit("auditor", "list", "--user", "bob"), err);
    assertEquals(List.of(3L), entries().stream().map(Entry::getSeq).toList());
  }

  @Test
  void list_badSourceIp_exitsBadArgumentNamingTheField() {
    assertEquals(ExitCodes.BAD_ARGUMENT, audit("auditor", "list", "--source-ip", "10.0.0.0/40"));
    assertOneLine("audit: INVALID_ARGUMENT: source_ip: must be an IP address or CIDR such as"
        + " 10.0.0.0/8, got '10.0.0.0/40'");
  }

  @Test
  void list_untilBeforeTheFirstEntry_printsNothing() throws Exception {
    audit("auth-backend", "append", "--action", "user.login", "--outcome", "success");

    assertEquals(0, audit("auditor", "list", "--until", "2000-01-01T00:00:00Z"), err);

    assertEquals("", out);
  }

  @Test
  void log_namesTheLogToAppendToListAndCheckpoint_otherwiseTheDefaultOne() throws Exception {
    assertEquals(0, audit("auth-backend", "append", "--log", "tenant-a", "--action",
        "user.login", "--outcome", "success"), err);
    assertTrue(out.contains("\"seq\":\"1\""), out);

    assertEquals(0, audit("auditor", "list", "--all", "--log", "tenant-a"), err);
    assertEquals(1, entries().size());
    assertEquals(0, audit("auditor", "list", "--all"), err);
    assertEquals(List.of(), entries());
    assertEquals(0, audit("auditor", "checkpoint", "--fresh", "--log", "tenant-a"), err);
    assertTrue(out.contains("\"log_id\":\"tenant-a\""), out);
    assertEquals(ExitCodes.FAILURE, audit("auditor", "list", "--log", "tenant-z"));
    assertOneLine("audit: NOT_FOUND: log_id: this server serves no log 'tenant-z'");
  }

  @Test
  void export_ofAnotherLog_verifiesAsThatLog() throws Exception {
    appendLogins(1);
    for (int i = 0; i < 3; i++) {
      assertEquals(0, audit("auth-backend", "append", "--log", "tenant-a", "--action",
          "user.login", "--outcome", "success"), err);
    }
    Path file = dir.resolve("tenant-a.jsonl");
    assertEquals(0, audit("auditor", "export", "--log", "tenant-a", "-o", file.toString()), err);

    assertEquals(ExitCodes.OK, verify(file, "--log-id", "tenant-a", "--from-seq", "1"),
        out + err);
    assertTrue(out.startsWith("OK: 3 entries, seq 1..3"), out);
    assertEquals(ExitCodes.FAILURE, verify(file, "--log-id", "default"));
    assertTrue(out.startsWith("FAILED at seq 1: WRONG_LOG"), out);
  }

  @Test
  void health_ofARunningServer_printsServing() {
    assertEquals(0, audit("intruder", "health"), err);
    assertEquals("SERVING", out.strip());
  }

  @Test
  void append_asAnIdentityThatMayNotAppend_exitsDeniedWithOneLine() {
    int code = audit("auditor", "append", "--action", "user.login", "--outcome", "success");

    assertEquals(ExitCodes.DENIED, code);
    assertOneLine("audit: PERMISSION_DENIED: identity 'auditor' may not call");
  }

  @Test
  void append_badActionRefusedByTheServer_exitsBadArgument() {
    int code = audit("auth-backend", "append", "--action", "bad action", "--outcome", "error");

    assertEquals(ExitCodes.BAD_ARGUMENT, code);
    assertOneLine("audit: INVALID_ARGUMENT: event.action");
  }

  @Test
  void append_unknownJsonField_exitsBadArgument() {
    int code = audit("auth-backend", "append", "--json", "{\"actoin\": \"x\"}");

    assertEquals(ExitCodes.BAD_ARGUMENT, code);
    assertOneLine("audit: bad JSON event: Cannot find field: actoin");
  }

  @Test
  void list_pageSizeOutOfRange_exitsBadArgument() {
    assertEquals(ExitCodes.BAD_ARGUMENT, audit("auditor", "list", "--page-size", "0"));
    assertOneLine("audit: --page-size must be 1..1000, got 0");
  }

  @Test
  void list_expiredClientCertificate_exitsHandshakeRefused() {
    assertEquals(ExitCodes.HANDSHAKE_REFUSED, audit("expired", "list"));
    assertOneLine("audit: TLS handshake refused: ");
  }

  @Test
  void list_noServerAtTarget_exitsUnavailable() throws Exception {
    int port;
    try (ServerSocket free = new ServerSocket(0)) {
      port = free.getLocalPort();
    }

    assertEquals(ExitCodes.UNAVAILABLE,
        auditAt("localhost:" + port, "auditor", "list", "--deadline", "2"));
    assertTrue(err.startsWith("audit: "), err);
  }

  @Test
  void append_toATargetListWithOneServerDown_isStoredByTheOther() throws Exception {
    int down;
    try (ServerSocket free = new ServerSocket(0)) {
      down = free.getLocalPort();
    }

    assertEquals(0, auditAt("localhost:" + down + ",localhost:" + server.port(), "auth-backend",
        "append", "--action", "user.logout", "--outcome", "success"), err);
    assertEquals(1, server.db().countEntries());
  }

  @Test
  void targetList_withAnEmptyEntry_exitsBadArgument() {
    assertEquals(ExitCodes.BAD_ARGUMENT,
        auditAt("localhost:" + server.port() + ",", "auditor", "list"));
    assertTrue(err.contains("targets: '' is not host:port"), err);
  }

  @Test
  void noSubcommand_exitsBadArgument() {
    assertEquals(ExitCodes.BAD_ARGUMENT, run());
    assertOneLine("audit: name a subcommand");
  }

  @Test
  void verify_rangeExport_isPlacedByTheTree_andVerifiesAfterEachFormOfItsPredecessor()
      throws Exception {
    appendLogins(5);
    assertEquals(0, audit("auditor", "checkpoint", "--fresh"), err);
    Path checkpoint = Files.writeString(dir.resolve("checkpoint.txt"), out);
    String chain5 = JsonParser.parseString(out.lines().findFirst().orElseThrow())
        .getAsJsonObject().get("chain_hash").getAsString();
    appendLogins(3);
    Path file = dir.resolve("range.jsonl");
    assertEquals(0, audit("auditor", "export", "--from-seq", "6", "-o", file.toString()), err);

    assertEquals(ExitCodes.OK, verify(file), out + err);
    assertTrue(out.startsWith("OK: 3 entries, seq 6..8 (a range: seq 1..5 are not in the file,"
        + " the signed Merkle root places it), chain and Merkle tree match"), out);
    assertEquals(ExitCodes.FAILURE, verify(file, "--from-seq", "1"));
    assertTrue(out.startsWith("FAILED at seq 1: HEAD_CUT: the export starts at seq 6, but it is"
        + " to start at seq 1: entries 1..5 are not in it"), out);
    for (String after : List.of(checkpoint.toString(), "5:" + chain5, chain5)) {
      assertEquals(ExitCodes.OK, verify(file, "--after", after), out + err);
      assertTrue(out.startsWith("OK: 3 entries, seq 6..8 after "), out);
    }
    assertEquals(ExitCodes.FAILURE, verify(file, "--after", "4:" + chain5));
    assertTrue(out.startsWith("FAILED at seq 5: PREDECESSOR_MISMATCH"), out);
  }

  @Test
  void export_ofAnEmptyLog_verifiesWithTheEmptyTreesRoot() throws Exception {
    Path file = dir.resolve("empty.jsonl");
    assertEquals(0, audit("auditor", "export", "-o", file.toString()), err);

    assertEquals(ExitCodes.OK, verify(file, "--from-seq", "1"), out + err);
    assertTrue(out.startsWith("OK: 0 entries, seq 1..0, chain and Merkle tree match"), out);
    assertTrue(Files.readString(file).contains("\"merkle_root\":\"e3b0c44298fc1c149afbf4c8996fb924"
        + "27ae41e4649b934ca495991b7852b855\""), "SHA-256 of nothing");
  }

  @Test
  void verify_logIdAndBadOptions_exitFailureOrBadArgument() throws Exception {
    appendLogins(2);
    Path file = dir.resolve("all.jsonl");
    assertEquals(0, audit("auditor", "export", "-o", file.toString()), err);

    assertEquals(ExitCodes.OK, verify(file, "--log-id", "default"), out + err);
    assertEquals(ExitCodes.FAILURE, verify(file, "--log-id", "payments"));
    assertTrue(out.startsWith("FAILED at seq 1: WRONG_LOG"), out);
    assertEquals(ExitCodes.BAD_ARGUMENT, verify(file, "--log-id", "no spaces"));
    assertOneLine("audit: --log-id no spaces: ");
    assertEquals(ExitCodes.BAD_ARGUMENT, verify(file, "--after", dir.resolve("none").toString()));
    assertOneLine("audit: --after ");
  }

  @Test
  void verify_help_documentsAfterLogIdVerifierKeyAndFromSeq() {
    assertEquals(0, run("verify", "--help"));

    assertTrue(out.contains("--after=PREDECESSOR") && out.contains("SEQ:CHAIN_HASH")
        && out.contains("HEAD_CUT") && out.contains("--log-id=ID")
        && out.contains("--verifier-key=VKEY") && out.contains("--from-seq=N"), out);
  }

  private int verify(Path file, String... options) {
    List<String> args = new ArrayList<>(List.of("verify", file.toString(), "--public-key",
        AuditServerExtension.SIGNING_PUBLIC_KEY.toString()));
    args.addAll(List.of(options));
    return run(args.toArray(String[]::new));
  }

  private void appendLogins(int n) {
    for (int i = 0; i < n; i++) {
      assertEquals(0, audit("auth-backend", "append", "--action", "user.login", "--outcome",
          "success"), err);
    }
  }

  private void assertOneLine(String prefix) {
    assertTrue(err.startsWith(prefix), err);
    assertEquals(1, Stream.of(err.split("\n")).filter(l -> !l.isBlank()).count(), err);
  }
}
