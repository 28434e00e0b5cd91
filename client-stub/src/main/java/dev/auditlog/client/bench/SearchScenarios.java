package dev.auditlog.client.bench;

import com.google.protobuf.Timestamp;
import dev.auditlog.api.v1.ListRequest;
import dev.auditlog.api.v1.Outcome;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.BiFunction;
import java.util.function.UnaryOperator;

/**
 * The queries of the search benchmark: one per filter (and a few per kind of value of the
 * same filter), and common combinations, each a 1000-entry page that starts at a random
 * time of the log's span (a random {@code since}), as an investigator browsing from a date
 * would ask, unless it says otherwise. Values are drawn from {@link SearchData}'s vocabulary.
 */
final class SearchScenarios {
  static final int PAGE = 1000;

  /**
   * One scenario: its name, the filter in words, and the request for one call.
   *
   * @param name short name for the report, e.g. {@code source_ip /16}
   * @param filter what it asks, e.g. {@code source_ip=81.17.0.0/16 (one of 64)}
   * @param request makes the request of one call from a random source
   */
  record Scenario(String name, String filter, BiFunction<SplittableRandom, Window,
      ListRequest> request) {}

  /** The log's time span, for random {@code since} bounds. */
  record Window(Instant start, Instant end) {
    Timestamp randomSince(SplittableRandom r) {
      long span = end.toEpochMilli() - start.toEpochMilli();
      return millis(start.toEpochMilli() + (long) (r.nextDouble() * 0.95 * span));
    }

    static Timestamp millis(long ms) {
      return Timestamp.newBuilder().setSeconds(Math.floorDiv(ms, 1000))
          .setNanos((int) Math.floorMod(ms, 1000) * 1_000_000).build();
    }
  }

  private SearchScenarios() {}

  static List<Scenario> all() {
    List<Scenario> s = new ArrayList<>();
    s.add(since("no filter", "none (seq order from a random time)", b -> b));
    s.add(since("action", "action=user.login (35%)", b -> b.setAction("user.login")));
    s.add(since("action, rare", "action=risk.accept (0.5%)", b -> b.setAction("risk.accept")));
    s.add(since("action_prefix", "action_prefix=user. (5 actions, 74%)",
        b -> b.setActionPrefix("user.")));
    s.add(since("action_prefix, rare", "action_prefix=apikey. (2 actions, 3%)",
        b -> b.setActionPrefix("apikey.")));
    s.add(random("user_id", "user_id=one of 2,000 active users (~0.025% each)",
        (b, r) -> b.setUserId(SearchData.activeUser(r.nextInt(SearchData.ACTIVE_USERS)))));
    s.add(first("user_id, first page", "user_id=active user, no time bound",
        (b, r) -> b.setUserId(SearchData.activeUser(r.nextInt(SearchData.ACTIVE_USERS)))));
    s.add(random("target", "target=one of 20 big tenants (~2.5% each)",
        (b, r) -> b.setTarget(SearchData.tenant(r.nextInt(SearchData.BIG_TENANTS)))));
    s.add(random("target, small", "target=one of 2,000 tenants (~0.025% each)",
        (b, r) -> b.setTarget(SearchData.tenant(r.nextInt(SearchData.TENANTS)))));
    s.add(since("outcome", "outcome=OUTCOME_FAILURE (12%)",
        b -> b.setOutcome(Outcome.OUTCOME_FAILURE)));
    s.add(since("outcome, rare", "outcome=OUTCOME_ERROR (2%)",
        b -> b.setOutcome(Outcome.OUTCOME_ERROR)));
    s.add(since("producer", "producer=scheduler (5%)", b -> b.setProducer("scheduler")));
    s.add(random("source_ip address", "source_ip=an active user's IPv4 home address",
        (b, r) -> b.setSourceIp(SearchData.home(v4User(r)))));
    s.add(random("source_ip IPv6 address", "source_ip=an active user's IPv6 home address",
        (b, r) -> b.setSourceIp(SearchData.canonical(SearchData.home(v6User(r))))));
    s.add(random("source_ip /24", "source_ip=the /24 of an active user's home (~250 addresses)",
        (b, r) -> b.setSourceIp(slash24(SearchData.home(v4User(r))))));
    s.add(random("source_ip /16", "source_ip=one of 64 IPv4 /16 networks (~1.25%)",
        (b, r) -> b.setSourceIp(SearchData.v4Network(r.nextInt(SearchData.V4_NETWORKS))
            + ".0.0/16")));
    s.add(random("source_ip /20", "source_ip=a /20 of a /16 network (~4,000 addresses, 0.08%)",
        (b, r) -> b.setSourceIp(SearchData.v4Network(r.nextInt(SearchData.V4_NETWORKS)) + "."
            + 16 * r.nextInt(16) + ".0/20")));
    s.add(random("source_ip IPv6 /32", "source_ip=one of 16 IPv6 /32 networks (~1.25%)",
        (b, r) -> b.setSourceIp(SearchData.v6Network(r.nextInt(SearchData.V6_NETWORKS))
            + "::/32")));
    s.add(random("source_ip IPv6 /48", "source_ip=a /48 site of one (~0.005%)",
        (b, r) -> b.setSourceIp(SearchData.v6Network(r.nextInt(SearchData.V6_NETWORKS)) + ":"
            + Integer.toHexString(r.nextInt(256)) + "::/48")));
    s.add(since("source_ip 0.0.0.0/0", "source_ip=0.0.0.0/0 (every IPv4 address, 80%)",
        b -> b.setSourceIp("0.0.0.0/0")));
    s.add(since("action + outcome", "action=user.login, outcome=OUTCOME_FAILURE (4%)",
        b -> b.setAction("user.login").setOutcome(Outcome.OUTCOME_FAILURE)));
    s.add(random("user_id + action_prefix", "user_id=active user, action_prefix=user.",
        (b, r) -> b.setUserId(SearchData.activeUser(r.nextInt(SearchData.ACTIVE_USERS)))
            .setActionPrefix("user.")));
    s.add(random("target + outcome", "target=big tenant, outcome=OUTCOME_DENIED (0.15%)",
        (b, r) -> b.setTarget(SearchData.tenant(r.nextInt(SearchData.BIG_TENANTS)))
            .setOutcome(Outcome.OUTCOME_DENIED)));
    s.add(random("source_ip /16 + outcome", "source_ip=/16, outcome=OUTCOME_FAILURE (0.15%)",
        (b, r) -> b.setSourceIp(SearchData.v4Network(r.nextInt(SearchData.V4_NETWORKS))
            + ".0.0/16").setOutcome(Outcome.OUTCOME_FAILURE)));
    s.add(random("producer + action", "producer=report-service, action=report.export (0.6%)",
        (b, r) -> b.setProducer("report-service").setAction("report.export")));
    s.add(new Scenario("action, one day", "action=user.login, since..until one random day",
        (r, w) -> {
          Timestamp since = w.randomSince(r);
          return ListRequest.newBuilder().setPageSize(PAGE).setAction("user.login")
              .setSince(since).setUntil(since.toBuilder().setSeconds(since.getSeconds() + 86400))
              .build();
        }));
    return s;
  }

  private static Scenario since(String name, String filter, UnaryOperator<ListRequest.Builder> f) {
    return random(name, filter, (b, r) -> f.apply(b));
  }

  private static Scenario random(String name, String filter,
      BiFunction<ListRequest.Builder, SplittableRandom, ListRequest.Builder> f) {
    return new Scenario(name, filter, (r, w) -> f.apply(
        ListRequest.newBuilder().setPageSize(PAGE).setSince(w.randomSince(r)), r).build());
  }

  private static Scenario first(String name, String filter,
      BiFunction<ListRequest.Builder, SplittableRandom, ListRequest.Builder> f) {
    return new Scenario(name, filter,
        (r, w) -> f.apply(ListRequest.newBuilder().setPageSize(PAGE), r).build());
  }

  /** An active user whose home is IPv4 (see {@link SearchData#home}). */
  private static int v4User(SplittableRandom r) {
    int k = r.nextInt(SearchData.ACTIVE_USERS);
    return k % 5 == 4 ? k - 1 : k;
  }

  private static int v6User(SplittableRandom r) {
    return r.nextInt(SearchData.ACTIVE_USERS / 5) * 5 + 4;
  }

  private static String slash24(String address) {
    return address.substring(0, address.lastIndexOf('.')) + ".0/24";
  }
}
