package dev.auditlog.client.bench;

import dev.auditlog.client.AuditClient;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code audit bench-search}: List with each search filter on a large log. Fills the log
 * first ({@link SearchFill}: COPY as the superuser, sealed and chained as the server does it)
 * unless it already holds the entries, then measures 1000-entry pages per filter through the
 * real server over mutual TLS ({@link SearchScenarios}), and writes a section of markdown.
 *
 * <p>Exit code 0 when every call succeeded, 1 when some failed, 2 on bad options.
 */
@Command(name = "bench-search", mixinStandardHelpOptions = true, sortOptions = false,
    description = {
        "Fills a log with --entries entries (unless it holds them) and measures List pages",
        "of 1000 entries for each search filter over mutual TLS; writes a markdown section."})
public final class SearchBenchCommand implements Callable<Integer> {
  static final String BEGIN = "<!-- bench-search:begin -->";
  static final String END = "<!-- bench-search:end -->";

  @Spec CommandSpec spec;

  @Option(names = "--entries", defaultValue = "10000000",
      description = "Entries the log must hold (default ${DEFAULT-VALUE}).")
  long entries;

  @Option(names = "--days", defaultValue = "90",
      description = "Days the filled entries are spread over, up to now (default "
          + "${DEFAULT-VALUE}).")
  int days;

  @Option(names = "--target",
      description = "host:port of a running server (with --jdbc-url); unset: start --server-jar.")
  String target;

  @Option(names = "--jdbc-url",
      description = "The running server's database as its superuser, for the fill.")
  String jdbcUrl;

  @Option(names = "--server-jar", defaultValue = "server/target/audit-server-app.jar",
      description = "Server jar to start (default ${DEFAULT-VALUE}).")
  Path serverJar;

  @Option(names = "--data-dir",
      description = "Keep the started server's state here, and use it again: a second run on"
          + " the same directory skips the fill. Unset: a temporary directory, deleted.")
  Path dataDir;

  @Option(names = "--heap-mb", defaultValue = "512",
      description = "Heap limit of the started server (default ${DEFAULT-VALUE}).")
  int heapMb;

  @Option(names = "--certs", defaultValue = "certs-dev",
      description = "Directory with ca.pem and the client certificate (default ${DEFAULT-VALUE}).")
  Path certs;

  @Option(names = "--client", defaultValue = "auditor",
      description = "Client certificate name, an identity that may List (default "
          + "${DEFAULT-VALUE}).")
  String client;

  @Option(names = "--calls", defaultValue = "200",
      description = "Measured calls per scenario (default ${DEFAULT-VALUE}).")
  int calls;

  @Option(names = "--warmup-calls", defaultValue = "30",
      description = "Unmeasured calls before each scenario (default ${DEFAULT-VALUE}).")
  int warmupCalls;

  @Option(names = "--seed", defaultValue = "15", description = "Seed of the generated entries.")
  long seed;

  @Option(names = "--scenario", paramLabel = "NAME",
      description = "Run only this scenario (repeatable), e.g. --scenario='source_ip /16'.")
  List<String> only = new ArrayList<>();

  @Option(names = "--prewarm",
      description = "Before measuring, load the log's partitions and their indexes into"
          + " PostgreSQL's shared buffers (pg_prewarm, as the superuser), as in a database that"
          + " has served for a while; size shared_buffers for them first (ALTER SYSTEM).")
  boolean prewarm;

  @Option(names = "--out",
      description = "Markdown file whose bench-search section to write, e.g. docs/benchmarks.md.")
  Path out;

  @Override
  public Integer call() throws Exception {
    if (entries < 1 || calls < 1 || warmupCalls < 0 || days < 1
        || (target != null) != (jdbcUrl != null)) {
      System.err.println("bench-search: --entries, --calls and --days must be >= 1,"
          + " --warmup-calls >= 0, and --target needs --jdbc-url");
      return 2;
    }
    String load = Machine.loadAverage();
    ServerProcess server = target != null ? null
        : ServerProcess.start(serverJar, certs.toAbsolutePath(), heapMb, List.of(), dataDir);
    try {
      String grpc = server == null ? target : "127.0.0.1:" + server.port();
      String jdbc = server == null ? jdbcUrl : server.superuserJdbcUrl();
      long began = System.nanoTime();
      SearchFill.Span span = new SearchFill(jdbc, "default", new SearchData(seed))
          .fill(entries, Duration.ofDays(days), System.out::println);
      double fillSeconds = (System.nanoTime() - began) / 1e9;
      String prewarmed = prewarm ? prewarm(jdbc) : null;
      List<SearchBench.Outcome> outcomes;
      try (AuditClient audit = AuditClient.connect(grpc, certs.resolve(client + ".pem"),
          certs.resolve(client + ".key"), certs.resolve("ca.pem"), Duration.ofSeconds(60))) {
        SearchBench bench = new SearchBench(audit, new SearchScenarios.Window(span.start(),
            span.start().plus(span.length())), warmupCalls, calls);
        outcomes = new ArrayList<>(bench.run(SearchScenarios.all().stream()
            .filter(x -> only.isEmpty() || only.contains(x.name())).toList()));
        if (only.isEmpty() || only.contains(SearchBench.RAW)) {
          outcomes.add(bench.runRaw(jdbc));
        }
      }
      if (out != null) {
        String setup = setup(jdbc, span.appended() == 0 ? -1 : fillSeconds, load, prewarmed);
        MarkdownReport.writeSection(out, "## Search at scale (`audit bench-search`)", BEGIN, END,
            SearchBench.markdown(outcomes, setup, commandLine()));
        System.out.println("wrote " + out);
      }
      return outcomes.stream().allMatch(o -> o.errors() == 0) ? 0 : 1;
    } finally {
      if (server != null) {
        server.close();
      }
    }
  }

  /**
   * Loads the entry table's partitions and their indexes into shared buffers; returns what
   * it loaded, in words.
   */
  private static String prewarm(String jdbc) throws SQLException {
    try (Connection c = DriverManager.getConnection(jdbc); Statement s = c.createStatement()) {
      s.execute("CREATE EXTENSION IF NOT EXISTS pg_prewarm");
      try (ResultSet rs = s.executeQuery("WITH r AS (SELECT inhrelid AS oid FROM pg_inherits"
          + " WHERE inhparent = 'audit.entry'::regclass UNION ALL SELECT indexrelid FROM pg_index"
          + " WHERE indrelid IN (SELECT inhrelid FROM pg_inherits"
          + " WHERE inhparent = 'audit.entry'::regclass))"
          + " SELECT pg_size_pretty(sum(pg_prewarm(oid)) * current_setting('block_size')::bigint),"
          + " current_setting('shared_buffers') FROM r")) {
        rs.next();
        String loaded = rs.getString(1) + " of the entry partitions and their indexes loaded"
            + " into shared_buffers (" + rs.getString(2) + ") with pg_prewarm";
        System.out.println(loaded);
        return loaded;
      }
    }
  }

  private String setup(String jdbc, double fillSeconds, String load, String prewarmed)
      throws SQLException {
    List<String> rows = new ArrayList<>();
    Machine.describe().forEach((k, v) -> rows.add("| " + k + " | " + v + " |"));
    rows.add("| load average before the run | " + load + " |");
    try (Connection c = DriverManager.getConnection(jdbc); Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT version(), (SELECT count(*) FROM audit.entry),"
            + " (SELECT pg_size_pretty(sum(pg_total_relation_size(relid)))"
            + " FROM pg_partition_tree('audit.entry')),"
            + " (SELECT pg_size_pretty(sum(pg_indexes_size(relid)))"
            + " FROM pg_partition_tree('audit.entry')), current_setting('shared_buffers')")) {
      rs.next();
      rows.add("| database | " + rs.getString(1).replaceAll(" on .*", "") + ", shared_buffers "
          + rs.getString(5) + " |");
      rows.add(String.format("| log | %,d entries over %d days; table with indexes %s, of it"
          + " indexes %s |", rs.getLong(2), days, rs.getString(3), rs.getString(4)));
    }
    rows.add(fillSeconds < 0 ? "| fill | none: the log was filled by an earlier run |"
        : String.format("| fill | %.0f s (COPY as the superuser in chunks of %,d, then VACUUM"
            + " ANALYZE) |", fillSeconds, SearchFill.CHUNK));
    rows.add("| cache | " + (prewarmed == null ? "as left by the fill or earlier runs (no --prewarm)"
        : prewarmed) + " |");
    rows.add(String.format("| calls | %d per scenario after %d unmeasured; one at a time; page"
        + " size %d |", calls, warmupCalls, SearchScenarios.PAGE));
    return "| setup | |\n|---|---|\n" + String.join("\n", rows) + "\n";
  }

  private String commandLine() {
    List<String> args = spec.commandLine().getParseResult().originalArgs();
    if (!args.isEmpty() && args.get(0).equals("bench-search")) {
      args = args.subList(1, args.size());
    }
    return "audit bench-search " + String.join(" ", args);
  }

  /** Runs the command alone. */
  public static void main(String[] args) {
    System.exit(new CommandLine(new SearchBenchCommand()).execute(args));
  }
}
