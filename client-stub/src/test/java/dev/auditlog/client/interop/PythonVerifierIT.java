package dev.auditlog.client.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.auditlog.client.cli.AuditCommand;
import dev.auditlog.integrity.CheckpointPayload;
import dev.auditlog.integrity.Ed25519Keys;
import dev.auditlog.integrity.EntryFields;
import dev.auditlog.integrity.EntryHasher;
import dev.auditlog.integrity.ExportFormat;
import dev.auditlog.integrity.tlog.Merkle;
import dev.auditlog.server.AuditServerExtension;
import dev.auditlog.server.TestCerts;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code audit verify} and the Python reference ({@code docs/reference/verify_export.py})
 * give the same verdict (exit code, first bad seq and problem) on the sample export and on
 * copies edited the ways the verifier must catch. Skipped when there is no python3.
 */
class PythonVerifierIT {
  private static final Path REPO = TestCerts.DIR.getParent();
  private static final Path KEY = AuditServerExtension.SIGNING_PUBLIC_KEY;
  private static final Path SAMPLE = KEY.resolveSibling("export-v1.jsonl");
  private static final Path SAMPLE_2 = KEY.resolveSibling("export-v2.jsonl");
  private static final String VKEY =
      "localhost/audit/default+ee82770f+AbexrE+nwNXh+xZqw8tEXUKtChgs+o6A165UM7R49G6S";
  /** An option of the cases below that drops the --public-key both verifiers are given. */
  private static final String NO_PUBLIC_KEY = "no --public-key";
  private static final String LOG = "default";
  private static Optional<Path> python;

  @TempDir
  static Path dir;

  @BeforeAll
  static void findPython() {
    python = ExternalProcess.onPath("python3")
        .or(() -> Optional.of(Path.of("/usr/bin/python3")).filter(Files::isExecutable));
  }

  static Stream<Arguments> cases() throws Exception {
    List<String> s = sample();
    String checkpointFile = Files.writeString(dir.resolve("checkpoint-8.txt"),
        s.get(9) + "\n" + Files.readString(KEY)).toString();
    return Stream.of(
        Arguments.of("untouched", s, List.of(), "OK: 8 entries, seq 1..8, chain matches"),
        Arguments.of("header only", headerOnly(s), List.of(), "FAILED at seq 1: HEAD_CUT"),
        Arguments.of("header only, after its checkpoint", headerOnly(s),
            List.of("--after", checkpointFile), "OK: 0 entries, seq 9..8 after the signed"),
        Arguments.of("entries 1..3 dropped", fromSeq4(s), List.of(),
            "FAILED at seq 1: HEAD_CUT"),
        Arguments.of("entries 1..3 dropped, after SEQ:HASH", fromSeq4(s),
            List.of("--after", "3:" + chain(s, 3)), "OK: 5 entries, seq 4..8 after the"),
        Arguments.of("entries 1..3 dropped, after HASH", fromSeq4(s),
            List.of("--after", chain(s, 3).toUpperCase()), "OK: 5 entries, seq 4..8 after"),
        Arguments.of("entries 1..3 dropped, after seq 2", fromSeq4(s),
            List.of("--after", "2:" + chain(s, 2)), "FAILED at seq 3: PREDECESSOR_MISMATCH"),
        Arguments.of("entries 1..3 dropped, after the hash of seq 2", fromSeq4(s),
            List.of("--after", chain(s, 2)), "FAILED at seq 4: PREDECESSOR_MISMATCH"),
        Arguments.of("to_seq edited", edit(s, 0, l -> header(1, 7, zeros())),
            List.of(), "FAILED at seq 8: MALFORMED"),
        Arguments.of("another log expected", s, List.of("--log-id", "payments"),
            "FAILED at seq 1: WRONG_LOG"),
        Arguments.of("tail cut", cut(s, 7, 8), List.of(), "FAILED at seq 7: TAIL_CUT"),
        Arguments.of("lone surrogate in user_id", edit(s, 3,
            l -> l.replace("\"user_id\":\"", "\"user_id\":\"\\ud800")), List.of(),
            "FAILED at seq 3: MALFORMED"),
        Arguments.of("lone surrogate in a map key", edit(s, 1,
            l -> l.replace("\"attributes\":{", "\"attributes\":{\"k\\udc00\":\"v\",")),
            List.of(), "FAILED at seq 1: MALFORMED"),
        Arguments.of("seq written as 1.0", edit(s, 1, l -> l.replace("\"seq\":1,",
            "\"seq\":1.0,")), List.of(), "FAILED at seq 1: MALFORMED"),
        Arguments.of("U+0000 in a map value", edit(s, 1,
            l -> l.replace("\"attributes\":{", "\"attributes\":{\"k\":\"\\u0000\",")),
            List.of(), "FAILED at seq 1: MALFORMED"));
  }

  static Stream<Arguments> version2Cases() throws Exception {
    List<String> s = sample2();
    String ok = "OK: 8 entries, seq 1..8, chain and Merkle tree match the checkpoint of log"
        + " 'default' recorded at 2026-11-23T10:00:01.000000Z, signed by key ";
    return Stream.of(
        Arguments.of("v2 untouched", s, List.of(), ok),
        Arguments.of("v2 with its verifier key", s, List.of("--verifier-key", VKEY), ok),
        Arguments.of("v2 with its verifier key alone", s,
            List.of(NO_PUBLIC_KEY, "--verifier-key", VKEY), ok),
        Arguments.of("v2 range without after", range2(s, 4), List.of(),
            "OK: 5 entries, seq 4..8 (a range: seq 1..3 are not in the file, the signed Merkle"
                + " root places it), chain and Merkle tree match"),
        Arguments.of("v2 range, after SEQ:HASH", range2(s, 4),
            List.of("--after", "3:" + chain(s, 3)), "OK: 5 entries, seq 4..8 after the"),
        Arguments.of("v2 header only", range2(s, 9), List.of(), "OK: 0 entries, seq 9..8 (a"),
        Arguments.of("v2 range, from seq 1 demanded", range2(s, 4), List.of("--from-seq", "1"),
            "FAILED at seq 1: HEAD_CUT"),
        Arguments.of("v2 range, from seq 5 demanded", range2(s, 4), List.of("--from-seq", "5"),
            "FAILED at seq 4: HEAD_CUT"),
        Arguments.of("v2 range without its frontier", edit(range2(s, 4), 0,
            l -> header2(4, chain(s, 3), List.of())), List.of(), "FAILED at seq 1: HEAD_CUT"),
        Arguments.of("v2 range, a frontier hash changed", edit(range2(s, 6), 0,
            l -> header2(6, chain(s, 5), flipped(frontier(s, 5), 1))), List.of(),
            "FAILED at seq 8: MERKLE_ROOT_MISMATCH"),
        Arguments.of("v2 range, a frontier hash too many", edit(range2(s, 6), 0,
            l -> header2(6, chain(s, 5), twice(frontier(s, 5)))), List.of(),
            "FAILED at seq 6: FRONTIER_MALFORMED"),
        Arguments.of("v2 entry changed, its chain recomputed and signed", rewritten(s), List.of(),
            "FAILED at seq 8: MERKLE_ROOT_MISMATCH"),
        Arguments.of("v2 note root changed", edit(s, 9, l -> withNote(l, n -> n.replace(
            "\\n+YOeB0C", "\\n+YOeB0D"))), List.of(), "FAILED at seq 8: NOTE_INVALID"),
        Arguments.of("v2 note signature changed", edit(s, 9, l -> withNote(l, n -> n.replace(
            "default 7oJ3D9/tV", "default 7oJ3D9/tW"))), List.of(),
            "FAILED at seq 8: NOTE_INVALID"),
        Arguments.of("v2 note not a note", edit(s, 9, l -> withNote(l, n -> n.substring(0,
            n.indexOf("\\n\\n")) + "\\n")), List.of(), "FAILED at seq 8: NOTE_INVALID"),
        Arguments.of("v2 verifier key of another log", s, List.of("--verifier-key",
            "localhost/audit/x+b11e47af+AbexrE+nwNXh+xZqw8tEXUKtChgs+o6A165UM7R49G6S"),
            "FAILED at seq 8: NOTE_INVALID"),
        Arguments.of("v1 with a verifier key", sample(), List.of("--verifier-key", VKEY),
            "FAILED at seq 8: NOTE_INVALID"),
        Arguments.of("v2 tree members stripped", edit(s, 9, PythonVerifierIT::stripTree),
            List.of(), "FAILED at seq 8: SIGNATURE_INVALID"),
        Arguments.of("v2 tree_size edited", edit(s, 9, l -> l.replace("\"tree_size\":8",
            "\"tree_size\":7")), List.of(), "FAILED at seq 9: MALFORMED"),
        Arguments.of("v1 header on a v2 file", edit(s, 0, l -> header(1, 8, zeros())),
            List.of(), "FAILED at seq 9: MALFORMED"),
        Arguments.of("version 3", edit(s, 0, l -> l.replace("\"version\":2", "\"version\":3")),
            List.of(), "FAILED at seq 1: MALFORMED"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource({"cases", "version2Cases"})
  void javaAndPython_giveTheSameVerdict(String name, List<String> lines, List<String> options,
      String verdict) throws Exception {
    assumeTrue(python.isPresent(), "no python3 on the PATH or in /usr/bin");
    Path file = Files.writeString(dir.resolve(name.replaceAll("\\W+", "-") + ".jsonl"),
        String.join("\n", lines) + "\n", StandardCharsets.UTF_8);

    Run java = java(file, options);
    Run py = python(file, options);

    assertEquals(verdict(java), verdict(py), "java: " + java + "\npython: " + py);
    assertEquals(verdict.startsWith("OK") ? 0 : 1, java.exit, java.toString());
    assertEquals(verdict, java.out.substring(0, Math.min(verdict.length(), java.out.length())));
  }

  /** Exit code, and the line up to the problem name (all of it when OK). */
  private static String verdict(Run r) {
    String[] parts = r.out.strip().split(": ", 3);
    String line = parts[0].startsWith("FAILED") && parts.length == 3
        ? parts[0] + ": " + parts[1] : r.out.strip();
    return r.exit + " " + line;
  }

  private static Run java(Path file, List<String> options) {
    List<String> args = new ArrayList<>(List.of("verify", file.toString()));
    args.addAll(keyOptions(options));
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int exit = AuditCommand.commandLine(new PrintWriter(out), new PrintWriter(err))
        .execute(args.toArray(String[]::new));
    return new Run(exit, out.toString(), err.toString());
  }

  private static Run python(Path file, List<String> options) {
    List<String> command = new ArrayList<>(List.of(python.orElseThrow().toString(),
        REPO.resolve("docs/reference/verify_export.py").toString(), file.toString()));
    command.addAll(keyOptions(options));
    ExternalProcess p = ExternalProcess.run(command, Duration.ofSeconds(60));
    return new Run(p.exitCode(), p.out(), p.err());
  }

  /** {@code --public-key KEY} and the options, unless they say {@link #NO_PUBLIC_KEY}. */
  private static List<String> keyOptions(List<String> options) {
    List<String> all = new ArrayList<>(options);
    if (!all.remove(NO_PUBLIC_KEY)) {
      all.addAll(0, List.of("--public-key", KEY.toString()));
    }
    return all;
  }

  /** The sample's lines: header, eight entries, checkpoint at seq 8. */
  private static List<String> sample() throws Exception {
    String text = Files.readString(SAMPLE, StandardCharsets.UTF_8);
    return List.of(text.substring(0, text.length() - 1).split("\n", -1));
  }

  /** The version-2 sample's lines: the same entries, the checkpoint with the tree. */
  private static List<String> sample2() throws Exception {
    String text = Files.readString(SAMPLE_2, StandardCharsets.UTF_8);
    return List.of(text.substring(0, text.length() - 1).split("\n", -1));
  }

  /** The version-2 export of seq {@code from}..8, with its frontier. */
  private static List<String> range2(List<String> s, int from) {
    List<String> lines = new ArrayList<>(s.subList(from, 10));
    lines.add(0, header2(from, chain(s, from - 1), frontier(s, from - 1)));
    return lines;
  }

  private static String header2(long from, String prev, List<byte[]> frontier) {
    return ExportFormat.headerLine(LOG, from, 8, prev, frontier);
  }

  /** The left frontier of the sample's first {@code size} entries. */
  private static List<byte[]> frontier(List<String> s, int size) {
    List<byte[]> leaves = new ArrayList<>();
    for (int seq = 1; seq <= 8; seq++) {
      leaves.add(Merkle.leafHash(HexFormat.of().parseHex(member(s.get(seq), "entry_hash"))));
    }
    try {
      return Merkle.leftFrontier(size, (level, index) -> Merkle.subtreeRoot(
          leaves.subList((int) (index << level), (int) ((index + 1) << level))));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static List<byte[]> flipped(List<byte[]> hashes, int which) {
    hashes.get(which)[0] ^= 1;
    return hashes;
  }

  private static List<byte[]> twice(List<byte[]> hashes) {
    hashes.add(hashes.get(0));
    return hashes;
  }

  /**
   * Entry 3's user changed, every later hash recomputed, and the checkpoint signed again
   * (with the test key) over the new chain but with the true Merkle root.
   */
  private static List<String> rewritten(List<String> s) throws Exception {
    List<String> lines = new ArrayList<>(s);
    String chain = chain(s, 2);
    for (int seq = 3; seq <= 8; seq++) {
      JsonObject o = JsonParser.parseString(s.get(seq)).getAsJsonObject();
      EntryFields f = fields(o, seq == 3 ? "mallory" : o.get("user_id").getAsString());
      String hash = EntryHasher.entryHash(f);
      chain = EntryHasher.chainHash(chain, hash);
      lines.set(seq, ExportFormat.entryLine(f, hash, chain));
    }
    JsonObject c = JsonParser.parseString(s.get(9)).getAsJsonObject();
    CheckpointPayload p = new CheckpointPayload(LOG, 8, chain, member(s.get(9), "recorded_at"),
        member(s.get(9), "merkle_root"));
    KeyPair key = Ed25519Keys.readKeyPair(AuditServerExtension.SIGNING_KEY);
    lines.set(9, ExportFormat.checkpointLine(p, member(s.get(9), "key_id"),
        p.sign(key.getPrivate()), c.get("note").getAsString()));
    return lines;
  }

  private static EntryFields fields(JsonObject o, String userId) {
    return new EntryFields(o.get("seq").getAsLong(), o.get("recorded_at").getAsString(),
        o.get("event_id").getAsString(), userId, o.get("action").getAsString(),
        o.get("target").getAsString(), o.get("source_ip").getAsString(),
        o.get("outcome").getAsString(), o.get("occurred_at").getAsString(),
        strings(o, "risk_signals"), strings(o, "attributes"), o.get("producer").getAsString());
  }

  private static Map<String, String> strings(JsonObject o, String member) {
    Map<String, String> m = new HashMap<>();
    o.getAsJsonObject(member).entrySet()
        .forEach(e -> m.put(e.getKey(), e.getValue().getAsString()));
    return m;
  }

  /** The checkpoint line with its note, as JSON text, changed. */
  private static String withNote(String line, UnaryOperator<String> change) {
    int at = line.indexOf("\"note\":\"") + 8;
    int end = line.indexOf('"', at);
    return line.substring(0, at) + change.apply(line.substring(at, end)) + line.substring(end);
  }

  /** The checkpoint line without tree_size, merkle_root and note: as if it had no root. */
  private static String stripTree(String line) {
    return line.replaceAll(",\"merkle_root\":\"[0-9a-f]{64}\",\"note\":\"[^\"]*\"", "")
        .replace(",\"tree_size\":8", "");
  }

  private static String member(String line, String name) {
    return JsonParser.parseString(line).getAsJsonObject().get(name).getAsString();
  }

  private static String chain(List<String> sample, int seq) {
    return JsonParser.parseString(sample.get(seq)).getAsJsonObject().get("chain_hash")
        .getAsString();
  }

  private static String header(long from, long to, String prev) {
    return ExportFormat.headerLine(LOG, from, to, prev);
  }

  private static String zeros() {
    return "0".repeat(64);
  }

  private static List<String> headerOnly(List<String> s) {
    return List.of(header(9, 8, chain(s, 8)), s.get(9));
  }

  private static List<String> fromSeq4(List<String> s) {
    List<String> lines = new ArrayList<>(s.subList(4, 10));
    lines.add(0, header(4, 8, chain(s, 3)));
    return lines;
  }

  private static List<String> edit(List<String> s, int index, UnaryOperator<String> change) {
    List<String> lines = new ArrayList<>(s);
    lines.set(index, change.apply(lines.get(index)));
    return lines;
  }

  /** Without the entries {@code from..to}. */
  private static List<String> cut(List<String> s, int from, int to) {
    List<String> lines = new ArrayList<>(s);
    lines.subList(from, to + 1).clear();
    return lines;
  }

  private record Run(int exit, String out, String err) {
    @Override
    public String toString() {
      return "exit " + exit + "\nstdout: " + out + "\nstderr: " + err;
    }
  }
}
