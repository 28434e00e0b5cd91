package dev.auditlog.server.forward;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.google.gson.JsonParser;
import com.google.protobuf.ByteString;
import com.google.protobuf.Timestamp;
import dev.auditlog.api.v1.Checkpoint;
import dev.auditlog.api.v1.Entry;
import dev.auditlog.api.v1.Outcome;
import dev.auditlog.integrity.EntryHasher;
import dev.auditlog.server.Await;
import dev.auditlog.server.TestCerts;
import dev.auditlog.server.store.AppendMode;
import dev.auditlog.server.store.AppendTransaction;
import dev.auditlog.server.store.ForwardCursor;
import dev.auditlog.server.store.LogHead;
import dev.auditlog.server.store.StoreException;
import dev.auditlog.server.store.memory.MemoryAuditStore;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A forwarder delivers a log over syslog/TLS to Debian's rsyslogd (imtcp with the OpenSSL
 * driver and client certificates, omfile), which is killed with {@code kill -9} in the
 * middle and started again: at the end every entry's seq and every checkpoint is in
 * rsyslog's file, and the records that arrived twice are counted, and stay within the
 * documented window of one batch. Skipped where rsyslogd is not installed ({@code .ci/run}
 * installs rsyslog and rsyslog-openssl).
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class SyslogForwardingIT {
  private static final String LOG = "default";
  private static final int BATCH = 200;
  private static final int CHECKPOINT_EVERY = 250;

  @TempDir Path dir;
  private final MemoryAuditStore store = new MemoryAuditStore();
  private final List<AutoCloseable> open = new ArrayList<>();
  private int checkpoints;

  @AfterEach
  void closeAll() throws Exception {
    for (int i = open.size() - 1; i >= 0; i--) {
      open.get(i).close();
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"leef", "cef", "rfc5424"})
  void rsyslogKilledWithSigkillMidway_thenRestarted_holdsEverySeqAndCheckpoint(String format)
      throws Exception {
    Path binary = Rsyslogd.binary().orElse(null);
    assumeTrue(binary != null, "rsyslogd is not installed (apt-get install rsyslog"
        + " rsyslog-openssl)");
    Rsyslogd rsyslog = new Rsyslogd(binary, dir, freePort());
    open.add(rsyslog);
    rsyslog.checkConfig().ifPresent(out -> {
      throw new AssertionError("rsyslogd -N1 refused the test's configuration (is"
          + " rsyslog-openssl installed?):\n" + out);
    });
    rsyslog.start();
    int port = rsyslog.port();
    CountingDestination destination = new CountingDestination(SyslogDestination.create("siem",
        settings(format, port)));
    append(2000);
    Forwarder forwarder = new Forwarder(store.forwarding(), LOG, destination, BATCH, c -> true,
        new Forwarder.Timing(Duration.ofMillis(20), Duration.ofMillis(100),
            Duration.ofMillis(50), Duration.ofMillis(400)), Forwarder.Sleeper.REAL);
    Thread thread = new Thread(forwarder, "forward-siem-" + format);
    open.add(() -> {
      forwarder.stop();
      thread.interrupt();
      thread.join(10_000);
      destination.close();
    });
    thread.start();

    // Kill while a batch is half written to the file if that is seen (a count that is not a
    // multiple of the batch), else once 1500 records are there.
    Await.until("700 records reached rsyslog", Duration.ofSeconds(60), () -> {
      long lines = rsyslog.lineCount();
      return lines >= 700 && (lines % BATCH != 0 || lines >= 1500);
    });
    rsyslog.killNine();
    long linesAtKill = rsyslog.lineCount();
    append(1000);
    Await.until("a delivery failed against the killed rsyslogd", Duration.ofSeconds(30),
        () -> destination.failures.get() > 0);
    rsyslog.start();
    Await.until("the forwarder's cursor reached the head", Duration.ofSeconds(120), () -> {
      ForwardCursor c = store.forwarding().cursor("siem", LOG);
      return c.seq() == 3000 && c.checkpointId() == checkpoints;
    });
    forwarder.stop();
    thread.interrupt();
    thread.join(10_000);
    rsyslog.close();

    Received received = Received.parse(format, rsyslog.lines());
    List<Long> missing = new ArrayList<>();
    for (long seq = 1; seq <= 3000; seq++) {
      if (!received.entries.containsKey(seq)) {
        missing.add(seq);
      }
    }
    assertEquals(List.of(), missing, "entries missing from rsyslog's file");
    for (long seq = CHECKPOINT_EVERY; seq <= 3000; seq += CHECKPOINT_EVERY) {
      assertTrue(received.checkpoints.containsKey(seq), "checkpoint at seq " + seq);
    }
    int duplicates = received.duplicates();
    System.out.printf("syslog %s: 3000 entries and %d checkpoints in rsyslog's file; kill -9"
        + " after %d lines; %d failed deliveries; %d records arrived twice (window: one batch"
        + " of %d); %d torn by the kill%n", format, received.checkpoints.size(), linesAtKill,
        destination.failures.get(), duplicates, BATCH, received.torn);
    assertEquals(checkpoints, received.checkpoints.size());
    assertTrue(duplicates <= BATCH, duplicates + " duplicates, more than one batch");
    assertTrue(received.sampleUserId.startsWith("usér-"), "UTF-8 arrives intact: "
        + received.sampleUserId);
  }

  private static Settings settings(String format, int port) {
    return new Settings("destinations[0]", JsonParser.parseString("{\"host\": \"127.0.0.1\","
        + " \"port\": " + port + ", \"format\": \"" + format + "\", \"timeout_ms\": 10000, \"tls\": {\"ca_file\": \""
        + TestCerts.pem("ca") + "\", \"cert_file\": \"" + TestCerts.pem("auth-backend")
        + "\", \"key_file\": \"" + TestCerts.key("auth-backend") + "\"}}").getAsJsonObject(), name -> null);
  }

  private static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort(); // rsyslog refuses port 0, so a free one is picked here
    }
  }

  /** Appends {@code n} entries, and a checkpoint after every 250th. */
  private void append(int n) throws StoreException {
    for (int done = 0; done < n; done += 50) {
      try (AppendTransaction tx = store.beginAppend(LOG, List.of(), AppendMode.READ)) {
        LogHead head = tx.head();
        String chain = head.chainHash();
        List<Entry> entries = new ArrayList<>();
        for (int i = 1; i <= 50; i++) {
          long seq = head.seq() + i;
          Entry draft = Entry.newBuilder().setSeq(seq)
              .setRecordedAt(Timestamp.newBuilder().setSeconds(head.clock().getEpochSecond()))
              .setEventId(UUID.randomUUID().toString()).setUserId("usér-" + seq)
              .setAction("user.login").setTarget("doc|a=b\\c\t😀").setSourceIp("192.0.2.10")
              .setOutcome(Outcome.OUTCOME_SUCCESS).putAttributes("k", "v \"q\" ]")
              .setProducer("auth-backend").build();
          String entryHash = EntryHasher.entryHash(draft);
          chain = EntryHasher.chainHash(chain, entryHash);
          entries.add(draft.toBuilder().setEntryHash(entryHash).setChainHash(chain).build());
        }
        tx.insert(entries);
        tx.commit();
      }
      if ((done + 50) % CHECKPOINT_EVERY == 0) {
        checkpoint();
      }
    }
  }

  private void checkpoint() throws StoreException {
    try (AppendTransaction tx = store.lockHead(LOG)) {
      tx.insertCheckpoint(Checkpoint.newBuilder().setLogId(LOG).setSeq(tx.head().seq())
          .setChainHash(tx.head().chainHash()).setRecordedAt(Timestamp.newBuilder()
              .setSeconds(tx.head().clock().getEpochSecond())).setKeyId("aa".repeat(32))
          .setPublicKey(ByteString.EMPTY).setSignature(ByteString.copyFrom(new byte[64]))
          .build());
      tx.commit();
    }
    checkpoints++;
  }

  /**
   * What rsyslog wrote: how often each entry's and each checkpoint's seq arrived, and how
   * many messages were torn (a write cut by the kill, the next message then continuing its
   * line: only the last message of a line is whole).
   */
  private record Received(Map<Long, Integer> entries, Map<Long, Integer> checkpoints,
      int torn, String sampleUserId) {
    private static final Pattern HEADER = Pattern.compile(
        "^<\\d+>1 \\S+ \\S+ audit - (entry|checkpoint) ");
    private static final Pattern NEXT_MESSAGE = Pattern.compile(
        "(?=<\\d{1,3}>1 \\d{4}-\\d\\d-\\d\\dT)");

    static Received parse(String format, List<String> lines) {
      Pattern seq = Pattern.compile(switch (format) {
        case "leef" -> "\tseq=(\\d+)\t";
        case "cef" -> " cs1=(\\d+) cs1Label=seq ";
        default -> " seq=\"(\\d+)\" ";
      });
      Pattern user = Pattern.compile(switch (format) {
        case "leef" -> "\tusrName=([^\t]*)\t";
        case "cef" -> " suser=(\\S*) ";
        default -> " user_id=\"([^\"]*)\" ";
      });
      Map<Long, Integer> entries = new TreeMap<>();
      Map<Long, Integer> checkpoints = new TreeMap<>();
      int torn = 0;
      String sample = "";
      for (String line : lines) {
        String[] messages = NEXT_MESSAGE.split(line);
        torn += messages.length - 1;
        String message = messages[messages.length - 1];
        Matcher h = HEADER.matcher(message);
        Matcher s = seq.matcher(message);
        if (!h.find() || !s.find()) {
          throw new AssertionError("not a record of ours: " + line);
        }
        (h.group(1).equals("entry") ? entries : checkpoints)
            .merge(Long.parseLong(s.group(1)), 1, Integer::sum);
        Matcher u = user.matcher(message);
        if (sample.isEmpty() && u.find()) {
          sample = u.group(1);
        }
      }
      return new Received(entries, checkpoints, torn, sample);
    }

    int duplicates() {
      return Stream.of(entries, checkpoints).flatMap(m -> m.values().stream())
          .mapToInt(n -> n - 1).sum();
    }
  }

  /** Counts the deliveries that failed. */
  private static final class CountingDestination implements Destination {
    final AtomicInteger failures = new AtomicInteger();
    private final Destination destination;

    CountingDestination(Destination destination) {
      this.destination = destination;
    }

    @Override
    public String name() {
      return destination.name();
    }

    @Override
    public int deliver(List<ForwardRecord> records) throws DeliveryException {
      try {
        return destination.deliver(records);
      } catch (DeliveryException e) {
        failures.incrementAndGet();
        throw e;
      }
    }

    @Override
    public void close() {
      destination.close();
    }
  }
}
