package dev.auditlog.client.bench;

import com.google.common.net.InetAddresses;
import com.google.protobuf.Timestamp;
import dev.auditlog.api.v1.Entry;
import dev.auditlog.api.v1.Outcome;
import java.util.SplittableRandom;

/**
 * The entries of the search benchmark, with the skew of a real audit log and a fixed
 * vocabulary, so that the queries can name values the log holds without reading it:
 *
 * <ul>
 *   <li>users: half of the entries from {@value #ACTIVE_USERS} active users (about 2,500 each
 *       at 10 million), half from a long tail of a million (about 5 each);
 *   <li>targets: half from {@value #BIG_TENANTS} big tenants, half from {@value #TENANTS}
 *       tenants in all;
 *   <li>actions: fifteen, from {@code user.login} (35%) down to {@code risk.accept} (0.5%);
 *       outcomes 80% success, 12% failure, 6% denied, 2% error; four producers (70% to 5%);
 *   <li>source addresses: 80% IPv4 in {@value #V4_NETWORKS} /16 networks, 20% IPv6 in
 *       {@value #V6_NETWORKS} /32 networks (256 /48 sites each); an active user's entries
 *       come from their home address 9 times in 10.
 * </ul>
 *
 * Entry {@code i} is a function of {@code i} and the seed alone. Thread-safe (stateless).
 */
final class SearchData {
  static final int ACTIVE_USERS = 2000;
  static final int LONG_TAIL_USERS = 1_000_000;
  static final int TENANTS = 2000;
  static final int BIG_TENANTS = 20;
  static final int V4_NETWORKS = 64;
  static final int V6_NETWORKS = 16;

  static final String[] ACTIONS = {
    "user.login", "user.logout", "user.register", "user.password_reset", "user.mfa_enroll",
    "apikey.create", "apikey.revoke", "config.change", "report.export", "report.download",
    "risk.accept", "system.license_check", "system.webhook_change", "system.task_failure",
    "system.migration"};
  /** Per mille of each action, in the order of {@link #ACTIONS}. */
  private static final int[] ACTION_SHARE = {350, 250, 100, 30, 10, 20, 10, 50, 40, 60, 5, 40,
    5, 20, 10};
  static final String[] PRODUCERS = {"auth-backend", "report-service", "billing", "scheduler"};
  private static final int[] PRODUCER_SHARE = {70, 15, 10, 5};
  private static final Outcome[] OUTCOMES = {Outcome.OUTCOME_SUCCESS, Outcome.OUTCOME_FAILURE,
    Outcome.OUTCOME_DENIED, Outcome.OUTCOME_ERROR};
  private static final int[] OUTCOME_SHARE = {80, 12, 6, 2};
  private static final String[] COUNTRIES = {"DE", "US", "FR", "BR", "IN", "NG", "VN", "GB"};

  private final long seed;

  SearchData(long seed) {
    this.seed = seed;
  }

  /** The draft of entry {@code i} (0-based): the event's fields and its producer. */
  Entry draft(long i) {
    SplittableRandom r = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + i);
    boolean active = r.nextBoolean();
    int user = active ? r.nextInt(ACTIVE_USERS) : r.nextInt(LONG_TAIL_USERS);
    int action = pick(r, ACTION_SHARE);
    Entry.Builder b = Entry.newBuilder()
        .setEventId(RegistrationEvents.uuid(r.nextLong(), r.nextLong()).toString())
        .setUserId(active ? activeUser(user) : "usr-" + Integer.toString(user, 36))
        .setAction(ACTIONS[action])
        .setTarget(r.nextBoolean() ? tenant(r.nextInt(BIG_TENANTS)) : tenant(r.nextInt(TENANTS)))
        .setSourceIp(canonical(active && r.nextInt(10) != 0 ? home(user) : address(r)))
        .setOutcome(OUTCOMES[pick(r, OUTCOME_SHARE)])
        .setProducer(PRODUCERS[pick(r, PRODUCER_SHARE)])
        .putRiskSignals("risk_score", "0." + (100 + r.nextInt(900)))
        .putRiskSignals("geo_country", COUNTRIES[r.nextInt(COUNTRIES.length)])
        .putAttributes("request_id", "req-" + Long.toHexString(r.nextLong()))
        .putAttributes("user_agent", "Mozilla/5.0 (X11; Linux x86_64) Chrome/131.0");
    if (action == 2) {
      b.putRiskSignals("ip_reputation", r.nextInt(4) == 0 ? "bad" : "good")
          .putRiskSignals("disposable_email", r.nextInt(10) == 0 ? "true" : "false");
    }
    return b.build();
  }

  /** When entry {@code i} of {@code total} is recorded: evenly over {@code span} from start. */
  static Timestamp recordedAt(long i, long total, long startMicros, long spanMicros) {
    long micros = startMicros + (long) ((double) spanMicros * i / total);
    return Timestamp.newBuilder().setSeconds(Math.floorDiv(micros, 1_000_000))
        .setNanos((int) Math.floorMod(micros, 1_000_000) * 1000).build();
  }

  static String activeUser(int k) {
    return String.format("user-%05d", k);
  }

  static String tenant(int k) {
    return String.format("tenant/t%04d", k);
  }

  /** The first two octets of IPv4 network {@code k}, e.g. {@code 81.17}. */
  static String v4Network(int k) {
    return (11 + k * 3) + "." + (17 + k * 5 % 200);
  }

  /** The first two hextets of IPv6 network {@code k}, e.g. {@code 2a02:1f00}. */
  static String v6Network(int k) {
    return "2a0" + (k % 10) + ":" + Integer.toHexString(0x1000 + k * 0x0f11);
  }

  /** Active user {@code k}'s home address: IPv4 for four in five users. */
  static String home(int k) {
    if (k % 5 == 4) {
      return v6Network(k % V6_NETWORKS) + ":" + Integer.toHexString(k % 256) + ":1::"
          + Integer.toHexString(1 + k);
    }
    return v4Network(k % V4_NETWORKS) + "." + (k / V4_NETWORKS % 250 + 1) + "." + (k % 200 + 20);
  }

  private static String address(SplittableRandom r) {
    if (r.nextInt(5) == 0) {
      return v6Network(r.nextInt(V6_NETWORKS)) + ":" + Integer.toHexString(r.nextInt(256)) + ":"
          + Integer.toHexString(r.nextInt(16)) + "::" + Integer.toHexString(1 + r.nextInt(65535));
    }
    return v4Network(r.nextInt(V4_NETWORKS)) + "." + r.nextInt(256) + "." + (1 + r.nextInt(254));
  }

  /** As the server stores an address (IPv6 per RFC 5952). */
  static String canonical(String ip) {
    return InetAddresses.toAddrString(InetAddresses.forString(ip));
  }

  private static int pick(SplittableRandom r, int[] shares) {
    int total = 0;
    for (int s : shares) {
      total += s;
    }
    int x = r.nextInt(total);
    for (int k = 0; k < shares.length; k++) {
      x -= shares[k];
      if (x < 0) {
        return k;
      }
    }
    return shares.length - 1;
  }
}
