package dev.auditlog.client.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.google.gson.JsonParser;
import dev.auditlog.client.cli.AuditCommand;
import dev.auditlog.integrity.ExportFormat;
import dev.auditlog.server.AuditServerExtension;
import dev.auditlog.server.TestCerts;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
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
        Arguments.of("U+0000 in a map value", edit(s, 1,
            l -> l.replace("\"attributes\":{", "\"attributes\":{\"k\":\"\\u0000\",")),
            List.of(), "FAILED at seq 1: MALFORMED"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
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
    List<String> args = new ArrayList<>(List.of("verify", file.toString(), "--public-key",
        KEY.toString()));
    args.addAll(options);
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int exit = AuditCommand.commandLine(new PrintWriter(out), new PrintWriter(err))
        .execute(args.toArray(String[]::new));
    return new Run(exit, out.toString(), err.toString());
  }

  private static Run python(Path file, List<String> options) {
    List<String> command = new ArrayList<>(List.of(python.orElseThrow().toString(),
        REPO.resolve("docs/reference/verify_export.py").toString(), file.toString(),
        "--public-key", KEY.toString()));
    command.addAll(options);
    ExternalProcess p = ExternalProcess.run(command, Duration.ofSeconds(60));
    return new Run(p.exitCode(), p.out(), p.err());
  }

  /** The sample's lines: header, eight entries, checkpoint at seq 8. */
  private static List<String> sample() throws Exception {
    String text = Files.readString(SAMPLE, StandardCharsets.UTF_8);
    return List.of(text.substring(0, text.length() - 1).split("\n", -1));
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
