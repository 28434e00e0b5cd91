package dev.auditlog.server;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.zonky.test.db.postgres.util.LinuxUtils;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * A PostgreSQL primary and a streaming standby on loopback, from Debian's PostgreSQL packages
 * ({@code initdb}, {@code pg_ctl}, {@code pg_basebackup} in {@code /usr/lib/postgresql/N/bin}),
 * set up as {@code docs/scaling.md} tells an operator to: the primary waits at every commit
 * until the standby has flushed it ({@link #PRIMARY_CONF}), the standby streams from the
 * primary and, once promoted, commits alone ({@link #STANDBY_CONF}). Both listen on
 * 127.0.0.1 only, without Unix-domain sockets, and let nobody in without a SCRAM password.
 *
 * <p>The primary holds the database {@value #DATABASE} with the roles an operator hands the
 * server: {@link TestDatabase#OWNER} owns it, {@link TestDatabase#WRITER} may connect; the
 * server migrates the schema itself. As root (PostgreSQL refuses to run as root) every
 * binary runs under {@code unshare -U}, as the embedded PostgreSQL of the server does.
 *
 * <p>Not thread-safe.
 */
final class ReplicatedPostgres implements AutoCloseable {
  static final String DATABASE = "audit";
  static final String SUPERUSER = "postgres";
  static final String REPLICATION_USER = "replicator";
  static final String STANDBY_NAME = "standby1";

  /** Appended to the primary's {@code postgresql.conf} (the port comes after). */
  static final List<String> PRIMARY_CONF = List.of(
      "listen_addresses = '127.0.0.1'",
      "unix_socket_directories = ''",
      "password_encryption = 'scram-sha-256'",
      "wal_level = replica",
      "max_wal_senders = 4",
      "synchronous_commit = on",
      "synchronous_standby_names = '*'");

  /**
   * Appended to the standby's copy of it: a promoted standby has no standby of its own, and
   * with {@code '*'} it would wait for one at every commit.
   */
  static final List<String> STANDBY_CONF = List.of("synchronous_standby_names = ''");

  /** The primary's {@code pg_hba.conf}: SCRAM for every connection, loopback only. */
  static final List<String> HBA = List.of(
      "host  " + DATABASE + "  " + TestDatabase.OWNER + "," + TestDatabase.WRITER
          + "  127.0.0.1/32  scram-sha-256",
      "host  postgres  " + SUPERUSER + "  127.0.0.1/32  scram-sha-256",
      "host  replication  " + REPLICATION_USER + "  127.0.0.1/32  scram-sha-256");

  private static final Duration PG_CTL_TIMEOUT = Duration.ofSeconds(60);

  private final Path bin;
  private final Path primary;
  private final Path standby;
  private final int primaryPort;
  private final int standbyPort;
  private final Map<String, String> passwords;

  private ReplicatedPostgres(Path bin, Path dir, int primaryPort, int standbyPort) {
    this.bin = bin;
    this.primary = dir.resolve("primary");
    this.standby = dir.resolve("standby");
    this.primaryPort = primaryPort;
    this.standbyPort = standbyPort;
    this.passwords = Map.of(SUPERUSER, randomPassword(), REPLICATION_USER, randomPassword(),
        TestDatabase.OWNER, randomPassword(), TestDatabase.WRITER, randomPassword());
  }

  /**
   * The directory of Debian's PostgreSQL binaries, the newest version that has all this class
   * runs; empty if none is installed ({@code apt-get install postgresql-15}).
   */
  static Optional<Path> binaries() {
    try (Stream<Path> versions = Files.list(Path.of("/usr/lib/postgresql"))) {
      return versions.map(v -> v.resolve("bin"))
          .filter(b -> Stream.of("initdb", "pg_ctl", "pg_basebackup", "postgres")
              .allMatch(name -> Files.isExecutable(b.resolve(name))))
          .max(Comparator.comparingInt(b -> version(b.getParent())));
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  private static int version(Path dir) {
    try {
      return Integer.parseInt(dir.getFileName().toString());
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  /**
   * Initializes and starts the primary in {@code dir/primary}, provisions it, and starts the
   * standby in {@code dir/standby} from a base backup; returns once the standby is the
   * primary's synchronous standby.
   */
  static ReplicatedPostgres start(Path bin, Path dir) throws Exception {
    ReplicatedPostgres pair = new ReplicatedPostgres(bin, dir, freePort(), freePort());
    try {
      pair.startPrimary(dir);
      pair.provision();
      pair.cloneStandby();
      pair.startStandby();
      return pair;
    } catch (Exception | Error e) {
      pair.close();
      throw e;
    }
  }

  private void startPrimary(Path dir) throws Exception {
    Files.createDirectories(dir);
    Path pwfile = dir.resolve("superuser.password");
    Files.writeString(pwfile, passwords.get(SUPERUSER) + "\n", UTF_8);
    run(Map.of(), "initdb", "-D", primary.toString(), "-U", SUPERUSER,
        "--pwfile=" + pwfile, "--auth=scram-sha-256", "--encoding=UTF8", "--locale=C");
    Files.delete(pwfile);
    List<String> conf = new ArrayList<>(PRIMARY_CONF);
    conf.add("port = " + primaryPort);
    append(primary.resolve("postgresql.conf"), conf);
    Files.write(primary.resolve("pg_hba.conf"), HBA, UTF_8);
    pgCtl(primary, "start");
  }

  /**
   * The roles and the database, as the superuser. Its commits wait for no standby
   * ({@code synchronous_commit = local} for this session): there is none yet.
   */
  private void provision() throws SQLException {
    try (Connection c = superuser(primaryPort, "postgres");
        Statement s = c.createStatement()) {
      s.execute("SET synchronous_commit = local");
      s.execute("CREATE ROLE " + REPLICATION_USER + " LOGIN REPLICATION PASSWORD '"
          + passwords.get(REPLICATION_USER) + "'");
      for (String role : List.of(TestDatabase.OWNER, TestDatabase.WRITER)) {
        s.execute("CREATE ROLE " + role + " LOGIN PASSWORD '" + passwords.get(role) + "'");
      }
      s.execute("CREATE DATABASE " + DATABASE + " OWNER " + TestDatabase.OWNER);
      s.execute("REVOKE ALL ON DATABASE " + DATABASE + " FROM PUBLIC");
      s.execute("GRANT CONNECT ON DATABASE " + DATABASE + " TO " + TestDatabase.WRITER);
    }
  }

  /** {@code pg_basebackup -R}: a copy of the primary that starts as its standby. */
  private void cloneStandby() throws Exception {
    run(Map.of("PGPASSWORD", passwords.get(REPLICATION_USER)), "pg_basebackup",
        "-h", "127.0.0.1", "-p", String.valueOf(primaryPort), "-U", REPLICATION_USER,
        "-D", standby.toString(), "-R", "-X", "stream", "--checkpoint=fast",
        "-d", "application_name=" + STANDBY_NAME);
    List<String> conf = new ArrayList<>(STANDBY_CONF);
    conf.add("port = " + standbyPort);
    append(standby.resolve("postgresql.conf"), conf);
  }

  /** Starts the standby and waits until the primary counts it as synchronous. */
  void startStandby() throws Exception {
    pgCtl(standby, "start");
    Await.until("the standby is synchronous", PG_CTL_TIMEOUT,
        () -> "sync".equals(standbyState()));
  }

  /** Stops the standby (fast shutdown); the primary's commits then wait. */
  void stopStandby() throws Exception {
    pgCtl(standby, "stop", "-m", "fast");
  }

  /**
   * The primary's view of the standby's replication ({@code sync}, {@code async}, ...), or
   * null while it is not connected.
   */
  String standbyState() throws SQLException {
    try (Connection c = superuser(primaryPort, "postgres");
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT sync_state FROM pg_stat_replication"
            + " WHERE application_name = '" + STANDBY_NAME + "'")) {
      return rs.next() ? rs.getString(1) : null;
    }
  }

  /** Counts the primary's client backends whose wait event is {@code waitEvent}. */
  int backendsWaitingFor(String waitEvent) throws SQLException {
    try (Connection c = superuser(primaryPort, "postgres");
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT count(*) FROM pg_stat_activity WHERE"
            + " backend_type = 'client backend' AND wait_event = '" + waitEvent + "'")) {
      rs.next();
      return rs.getInt(1);
    }
  }

  /**
   * Kills the primary's postmaster with SIGKILL, as a crashed host would leave it (its
   * backends notice and exit; nothing is shut down cleanly); returns once it is gone.
   */
  void killPrimary() throws Exception {
    ProcessHandle postmaster = postmaster(primary)
        .orElseThrow(() -> new IllegalStateException("the primary does not run"));
    postmaster.destroyForcibly();
    if (!ServerProcess.awaitStopped(postmaster, Duration.ofSeconds(10))) {
      throw new IllegalStateException("the primary's postmaster survived SIGKILL");
    }
  }

  /** {@code pg_ctl promote -w}: the standby becomes a primary; returns once it is one. */
  void promoteStandby() throws Exception {
    pgCtl(standby, "promote");
  }

  /**
   * The server's URL: both hosts, the primary first; the driver connects to whichever is
   * primary.
   */
  String jdbcUrl() {
    return jdbcUrl(primaryPort);
  }

  /** {@link #jdbcUrl()} with the primary reached on {@code port} (a relay in front of it). */
  String jdbcUrl(int port) {
    return "jdbc:postgresql://127.0.0.1:" + port + ",127.0.0.1:" + standbyPort + "/"
        + DATABASE + "?targetServerType=primary";
  }

  /** The primary's port. */
  int primaryPort() {
    return primaryPort;
  }

  /** The password of {@link #SUPERUSER}, {@link TestDatabase#OWNER} or the writer. */
  String password(String role) {
    return passwords.get(role);
  }

  private Connection superuser(int port, String database) throws SQLException {
    PGSimpleDataSource ds = new PGSimpleDataSource();
    ds.setServerNames(new String[] {"127.0.0.1"});
    ds.setPortNumbers(new int[] {port});
    ds.setDatabaseName(database);
    ds.setUser(SUPERUSER);
    ds.setPassword(passwords.get(SUPERUSER));
    ds.setConnectTimeout(5);
    ds.setSocketTimeout(30);
    return ds.getConnection();
  }

  private void pgCtl(Path cluster, String action, String... options) throws Exception {
    List<String> args = new ArrayList<>(List.of("pg_ctl", "-D", cluster.toString(),
        "-l", cluster.resolveSibling(cluster.getFileName() + ".log").toString(), "-w",
        "-t", String.valueOf(PG_CTL_TIMEOUT.toSeconds()), action));
    args.addAll(List.of(options));
    run(Map.of(), args.toArray(String[]::new));
  }

  /** Runs a binary of {@link #bin} and fails with its output if it does not exit with 0. */
  private void run(Map<String, String> env, String... command) throws Exception {
    List<String> line = new ArrayList<>();
    if (LinuxUtils.isUnshareAvailable()) {
      line.addAll(List.of("unshare", "-U"));
    }
    line.add(bin.resolve(command[0]).toString());
    line.addAll(List.of(command).subList(1, command.length));
    ProcessBuilder builder = new ProcessBuilder(line).redirectErrorStream(true);
    builder.environment().keySet().removeIf(name -> name.startsWith("PG"));
    builder.environment().putAll(env);
    Path output = Files.createTempFile("pg-command", ".log");
    try {
      Process p = builder.redirectOutput(output.toFile()).start();
      if (!p.waitFor(PG_CTL_TIMEOUT.toSeconds() + 30, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IllegalStateException(String.join(" ", line) + " did not finish");
      }
      if (p.exitValue() != 0) {
        throw new IllegalStateException(String.join(" ", line) + " exited with "
            + p.exitValue() + ":\n" + Files.readString(output, UTF_8));
      }
    } finally {
      Files.deleteIfExists(output);
    }
  }

  private static Optional<ProcessHandle> postmaster(Path cluster) {
    try (Stream<String> pidFile = Files.lines(cluster.resolve("postmaster.pid"))) {
      return pidFile.findFirst()
          .flatMap(pid -> ProcessHandle.of(Long.parseLong(pid.trim())))
          .filter(ServerProcess::running);
    } catch (IOException | NumberFormatException e) {
      return Optional.empty();
    }
  }

  private static void append(Path file, List<String> lines) throws IOException {
    Files.writeString(file, "\n" + String.join("\n", lines) + "\n", UTF_8,
        StandardOpenOption.APPEND);
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      return s.getLocalPort();
    }
  }

  private static String randomPassword() {
    byte[] bytes = new byte[24];
    new SecureRandom().nextBytes(bytes);
    return HexFormat.of().formatHex(bytes);
  }

  /** Stops whichever of the two still runs, at once (immediate shutdown), then kills it. */
  @Override
  public void close() {
    for (Path cluster : List.of(standby, primary)) {
      Optional<ProcessHandle> postmaster = postmaster(cluster);
      if (postmaster.isEmpty()) {
        continue;
      }
      try {
        pgCtl(cluster, "stop", "-m", "immediate");
      } catch (Exception e) {
        postmaster.get().destroyForcibly();
      }
      ServerProcess.awaitStopped(postmaster.get(), Duration.ofSeconds(10));
    }
  }
}
