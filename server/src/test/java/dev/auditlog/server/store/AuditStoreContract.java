package dev.auditlog.server.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import com.google.protobuf.Timestamp;
import dev.auditlog.api.v1.Checkpoint;
import dev.auditlog.api.v1.Entry;
import dev.auditlog.api.v1.Outcome;
import dev.auditlog.integrity.EntryHasher;
import dev.auditlog.server.Events;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * What every {@link AuditStore} backend must do, run against each of them (the in-memory
 * one and PostgreSQL), as Trillian runs one storage test suite against every backend.
 * Subclasses give a fresh, empty store for each test.
 */
abstract class AuditStoreContract {
  static final String LOG = "default";

  /** A fresh, empty store. */
  abstract AuditStore store();

  @Test
  void emptyLog_headIsSeqZeroAtTheGenesisHash() throws Exception {
    try (AppendTransaction tx = store().beginAppend(LOG, List.of(), AppendMode.READ)) {
      assertEquals(0, tx.head().seq());
      assertEquals(EntryHasher.GENESIS_CHAIN_HASH, tx.head().chainHash());
      assertNull(tx.head().recordedAt());
      assertTrue(tx.existing().isEmpty());
    }
  }

  @Test
  void appendedGroups_readBackInSeqOrder() throws Exception {
    List<Entry> first = append(LOG, 3);
    List<Entry> second = append(LOG, 2);

    List<Entry> all = new ArrayList<>(first);
    all.addAll(second);
    assertEquals(all, store().entries(LOG, 0, 100, 100));
    assertEquals(all.subList(1, 4), store().entries(LOG, 1, 4, 100));
    assertEquals(all.subList(0, 2), store().entries(LOG, 0, 100, 2));
    assertEquals(all, store().list(ListQuery.all(LOG, 0, 10)).entries());
    assertEquals(all.get(2).getChainHash(), store().chainHashAt(LOG, 3).orElseThrow());
    assertTrue(store().chainHashAt(LOG, 6).isEmpty());
    Events.assertChain(all);
  }

  @Test
  void commit_afterAnotherAppenderMovedTheHead_isHeadMovedAndStoresNothing() throws Exception {
    try (AppendTransaction late = store().beginAppend(LOG, List.of(), AppendMode.READ)) {
      append(LOG, 1);
      late.insert(seal(late.head(), drafts(1)));

      assertThrows(HeadMovedException.class, late::commit);
    }
    assertEquals(1, store().entries(LOG, 0, 100, 100).size());
  }

  @Test
  void afterMode_withAStaleHead_isHeadMoved() throws Exception {
    LogHead stale = head();
    append(LOG, 1);
    try (AppendTransaction tx = store().beginAppend(LOG, List.of(), AppendMode.after(stale))) {
      tx.insert(seal(stale, drafts(1)));

      assertThrows(HeadMovedException.class, tx::commit);
    }
  }

  @Test
  void afterMode_withAnEventIdTheLogHolds_isHeadMovedAndStoresNothing() throws Exception {
    Entry stored = append(LOG, 1).get(0);
    LogHead head = head();
    Entry again = Entry.newBuilder(drafts(1).get(0)).setEventId(stored.getEventId()).build();
    try (AppendTransaction tx = store().beginAppend(LOG, List.of(), AppendMode.after(head))) {
      assertTrue(tx.existing().isEmpty());
      tx.insert(seal(head, List.of(again)));

      assertThrows(HeadMovedException.class, tx::commit);
    }
    assertEquals(1, store().entries(LOG, 0, 100, 100).size());
  }

  @Test
  void lockedMode_readsTheStoredEventIds_andCommits() throws Exception {
    Entry stored = append(LOG, 1).get(0);
    String fresh = UUID.randomUUID().toString();
    try (AppendTransaction tx =
        store().beginAppend(LOG, List.of(stored.getEventId(), fresh), AppendMode.LOCKED)) {
      assertEquals(stored, tx.existing().get(stored.getEventId()));
      assertFalse(tx.existing().containsKey(fresh));
      tx.insert(seal(tx.head(), drafts(1)));
      tx.commit();
    }
    assertEquals(2, store().entries(LOG, 0, 100, 100).size());
  }

  @Test
  void chainAfter_aTailThatIsNotTheHeadAtCommit_isHeadMoved() throws Exception {
    try (AppendTransaction tx = store().beginAppend(LOG, List.of(), AppendMode.READ)) {
      LogHead tail = new LogHead(5, "ab".repeat(32), tx.head().clock(), tx.head().clock());
      tx.chainAfter(tail);
      tx.insert(seal(tail, drafts(1)));

      assertThrows(HeadMovedException.class, tx::commit);
    }
  }

  @Test
  void rowThatBreaksTheChain_isRefusedAndNotRetryable() throws Exception {
    append(LOG, 1);
    try (AppendTransaction tx = store().beginAppend(LOG, List.of(), AppendMode.LOCKED)) {
      Entry row = seal(tx.head(), drafts(1)).get(0).toBuilder()
          .setChainHash("cd".repeat(32)).build();
      tx.insert(List.of(row));

      StoreException e = assertThrows(StoreException.class, tx::commit);
      assertFalse(e instanceof HeadMovedException);
      assertFalse(e.retryable());
    }
    assertEquals(1, store().entries(LOG, 0, 100, 100).size());
  }

  @Test
  void sameEventIdInTwoLogs_isStoredInBoth_andAnsweredOnlyFromItsOwnLog() throws Exception {
    Entry inOther = append("other", 1).get(0);
    Entry draft = Entry.newBuilder(drafts(1).get(0)).setEventId(inOther.getEventId()).build();
    try (AppendTransaction tx =
        store().beginAppend(LOG, List.of(draft.getEventId()), AppendMode.READ)) {
      assertTrue(tx.existing().isEmpty(), "answered from another log");
      tx.insert(seal(tx.head(), List.of(draft)));
      tx.commit();
    }
    assertEquals(1, store().entries(LOG, 0, 100, 100).size());
    assertEquals(List.of(inOther), store().entries("other", 0, 100, 100));
  }

  @Test
  void timeWindow_boundsAndFilters() throws Exception {
    LogHead head = head();
    Instant t0 = head.clock();
    Entry a = seal(head, drafts(1), t0).get(0);
    commit(head, List.of(a));
    LogHead afterA = head();
    Entry b = seal(afterA, List.of(withAction("user.logout")), t0.plusMillis(1)).get(0);
    commit(afterA, List.of(b));

    assertEquals(1L, store().firstSeqSince(LOG, t0).orElseThrow());
    assertEquals(2L, store().firstSeqSince(LOG, t0.plusNanos(1000)).orElseThrow());
    assertTrue(store().firstSeqSince(LOG, t0.plusMillis(2)).isEmpty());
    assertEquals(1L, store().lastSeqBefore(LOG, t0.plusMillis(1)).orElseThrow());
    assertTrue(store().lastSeqBefore(LOG, t0).isEmpty());
    assertEquals(List.of(b), store().list(
        new ListQuery(LOG, 0, t0.plusNanos(1000), null, EntryFilter.NONE, 10)).entries());
    assertEquals(List.of(a), store().list(
        new ListQuery(LOG, 0, null, t0.plusNanos(1000), EntryFilter.NONE, 10)).entries());
    assertEquals(List.of(b), store().list(
        new ListQuery(LOG, 0, null, null, EntryFilter.action("user.logout"), 10)).entries());
  }

  @Test
  void list_pagesByAfterSeq() throws Exception {
    List<Entry> all = append(LOG, 5);

    Page first = store().list(ListQuery.all(LOG, 0, 2));
    Page last = store().list(ListQuery.all(LOG, 4, 2));

    assertEquals(all.subList(0, 2), first.entries());
    assertTrue(first.more());
    assertEquals(all.subList(4, 5), last.entries());
    assertFalse(last.more());
  }

  @Test
  void list_eachFilter_selectsItsEntriesInSeqOrder() throws Exception {
    searchLog();

    assertSeqs(List.of(1, 2), EntryFilter.action("user.login"));
    assertSeqs(List.of(1, 2, 3, 6), NONE.withActionPrefix("user."));
    assertSeqs(List.of(7), NONE.withActionPrefix("user_"));
    assertSeqs(List.of(1, 2, 3, 4, 6, 7), NONE.withActionPrefix("user"));
    assertSeqs(List.of(1, 3, 5), NONE.withUserId("alice"));
    assertSeqs(List.of(1, 2, 5), NONE.withTarget("tenant/acme"));
    assertSeqs(List.of(6), NONE.withTarget(LONG_TARGET));
    assertSeqs(List.of(2, 6), NONE.withOutcome(Outcome.OUTCOME_FAILURE));
    assertSeqs(List.of(4, 5), NONE.withProducer("billing"));
    assertSeqs(List.of(), NONE.withProducer("nobody"));
  }

  @Test
  void list_bySourceIp_matchesAnAddressOrANetworkOfItsFamily() throws Exception {
    searchLog();

    assertSeqs(List.of(1), ip("203.0.113.7"));
    assertSeqs(List.of(1, 2), ip("203.0.113.0/24"));
    assertSeqs(List.of(5), ip("10.0.0.0/8"));
    assertSeqs(List.of(1, 2, 5, 7), ip("0.0.0.0/0"));
    assertSeqs(List.of(3), ip("2001:DB8::1"));
    assertSeqs(List.of(3, 6), ip("2001:db8::/32"));
    assertSeqs(List.of(6), ip("2001:db8:1::/48"));
    assertSeqs(List.of(3, 6), ip("::/0"));
    assertSeqs(List.of(), ip("198.51.100.0/24"));
  }

  @Test
  void list_bySourceIp_findsAnIpv6AddressStoredWithAZone() throws Exception {
    appendDrafts(List.of(
        draft("user.login", "u", "t", Outcome.OUTCOME_SUCCESS, "p", "fe80::1%eth0"),
        draft("user.login", "u", "t", Outcome.OUTCOME_SUCCESS, "p", "fe80::2")));

    assertSeqs(List.of(1, 2), ip("fe80::/10"));
    assertSeqs(List.of(1), ip("fe80::1"));
    assertSeqs(List.of(1), ip("fe80::1%eth1"));
  }

  @Test
  void list_combinedFilters_mustAllHold() throws Exception {
    searchLog();

    assertSeqs(List.of(1, 3), NONE.withUserId("alice").withOutcome(Outcome.OUTCOME_SUCCESS));
    assertSeqs(List.of(2, 6),
        NONE.withActionPrefix("user.").withOutcome(Outcome.OUTCOME_FAILURE));
    assertSeqs(List.of(3, 6), NONE.withActionPrefix("user.").withSourceIp(
        IpRange.parse("2001:db8::/32")));
    assertSeqs(List.of(1), NONE.withUserId("alice").withSourceIp(IpRange.parse("203.0.113.0/24")));
    assertSeqs(List.of(5), NONE.withTarget("tenant/acme").withProducer("billing"));
    assertSeqs(List.of(), EntryFilter.action("user.login").withActionPrefix("config."));
    assertSeqs(List.of(2), EntryFilter.action("user.login").withActionPrefix("user.")
        .withOutcome(Outcome.OUTCOME_FAILURE).withTarget("tenant/acme")
        .withProducer("auth-backend").withUserId("bob").withSourceIp(IpRange.parse("203.0.0.0/16")));
  }

  @Test
  void list_filtered_pagesByAfterSeqAndTimeWindow() throws Exception {
    List<Entry> log = searchLog();
    Instant at = instant(log.get(0).getRecordedAt());
    EntryFilter user = NONE.withActionPrefix("user.");

    Page first = store().list(new ListQuery(LOG, 0, null, null, user, 2));
    Page rest = store().list(new ListQuery(LOG, 2, null, null, user, 2));

    assertEquals(List.of(1L, 2L), seqs(first));
    assertTrue(first.more());
    assertEquals(List.of(3L, 6L), seqs(rest));
    assertFalse(rest.more());
    assertEquals(List.of(), seqs(store().list(new ListQuery(LOG, 0, at.plusSeconds(1), null,
        NONE.withUserId("alice"), 10))));
    assertEquals(List.of(1L, 3L, 5L), seqs(store().list(new ListQuery(LOG, 0, at,
        at.plusSeconds(1), NONE.withUserId("alice"), 10))));
  }

  @Test
  void list_rangeOfMoreValuesThanAPageMerges_staysInSeqOrder() throws Exception {
    int n = PostgresSearch.MAX_MERGED + 3;
    List<Entry> drafts = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      // Values in the opposite order of their seqs, so that a range scan is not seq order.
      drafts.add(draft("bulk.a" + (1000 - i), "u", "t", Outcome.OUTCOME_SUCCESS, "p",
          "192.0.2." + (200 - i)));
    }
    appendDrafts(drafts);

    for (EntryFilter f : List.of(NONE.withActionPrefix("bulk."), ip("192.0.2.0/24"),
        NONE.withActionPrefix("bulk.a9"), ip("192.0.2.160/27"))) {
      List<Long> expected = store().entries(LOG, 0, n, n).stream().filter(f::matches)
          .map(Entry::getSeq).toList();
      assertEquals(expected, pagesOf10(f), f.toString());
      assertTrue(expected.size() > 10, f.toString());
    }
  }

  @Test
  void list_networkOfManyBlocks_staysInSeqOrder() throws Exception {
    int n = PostgresSearch.MAX_MERGED + 3;
    List<Entry> drafts = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      // One address in each of n IPv4 /16 and IPv6 /32 blocks, in the opposite order of seq.
      drafts.add(draft("a", "u", "t", Outcome.OUTCOME_SUCCESS, "p", "10." + (200 - i) + ".3.4"));
      drafts.add(draft("a", "u", "t", Outcome.OUTCOME_SUCCESS, "p",
          "2001:" + Integer.toHexString(0xdb8 + 200 - i) + "::1"));
    }
    appendDrafts(drafts);

    // /8, /0, ::/0, /22: more blocks than a page merges; /11 (26 blocks), /27 (32) fewer.
    for (EntryFilter f : List.of(ip("10.0.0.0/8"), ip("0.0.0.0/0"), ip("::/0"),
        ip("10.160.0.0/11"), ip("2001:c00::/22"), ip("10.190.0.0/15"), ip("10.190.0.0/16"),
        ip("2001:e60::/27"), ip("2001:e80::/32"))) {
      List<Long> expected = store().entries(LOG, 0, 2 * n, 2 * n).stream().filter(f::matches)
          .map(Entry::getSeq).toList();
      assertEquals(expected, pagesOf10(f), f.toString());
      assertFalse(expected.isEmpty(), f.toString());
    }
  }

  @Test
  void list_rangeOfManyValues_findsMatchesFarApart() throws Exception {
    int n = PostgresSearch.MAX_MERGED + 3;
    List<Entry> drafts = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      drafts.add(draft("a", "u", "t", Outcome.OUTCOME_SUCCESS, "p", "192.0.2." + (1 + i)));
    }
    // A gap wider than the first seq windows PostgresSearch reads for a page of 2 (192 seqs).
    for (int i = 0; i < 400; i++) {
      drafts.add(draft("a", "u", "t", Outcome.OUTCOME_SUCCESS, "p", "198.51.100.7"));
    }
    drafts.add(draft("a", "u", "t", Outcome.OUTCOME_SUCCESS, "p", "192.0.2.250"));
    drafts.add(draft("a", "u", "t", Outcome.OUTCOME_SUCCESS, "p", "192.0.2.251"));
    appendDrafts(drafts);
    EntryFilter net = ip("192.0.2.0/24");

    Page across = store().list(new ListQuery(LOG, n - 1, null, null, net, 2));
    Page afterGap = store().list(new ListQuery(LOG, n, null, null, net, 2));
    Page last = store().list(new ListQuery(LOG, n + 401, null, null, net, 2));

    assertEquals(List.of((long) n, n + 401L), seqs(across));
    assertTrue(across.more());
    assertEquals(List.of(n + 401L, n + 402L), seqs(afterGap));
    assertFalse(afterGap.more());
    assertEquals(List.of(n + 402L), seqs(last));
    assertFalse(last.more());
  }

  @Test
  void checkpoints_storedUnderTheLock_areFoundNewestOrCoveringFirst() throws Exception {
    assertTrue(store().latestCheckpoints(LOG, null, 10).isEmpty());
    append(LOG, 2);
    Checkpoint atTwo = checkpoint("aa");
    append(LOG, 2);
    Checkpoint atFour = checkpoint("aa");
    Checkpoint otherKey = checkpoint("bb");

    assertEquals(List.of(otherKey, atFour, atTwo), store().latestCheckpoints(LOG, null, 10));
    assertEquals(List.of(atFour, atTwo),
        store().latestCheckpoints(LOG, List.of("aa".repeat(32)), 10));
    assertEquals(List.of(otherKey), store().latestCheckpoints(LOG, null, 1));
    assertEquals(List.of(atTwo, atFour),
        store().checkpointsCovering(LOG, List.of("aa".repeat(32)), 1, 10));
    assertEquals(List.of(atFour, otherKey), store().checkpointsCovering(LOG, null, 3, 10));
    assertTrue(store().checkpointsCovering(LOG, null, 5, 10).isEmpty());
    assertTrue(store().latestCheckpoints("other", null, 10).isEmpty());
  }

  @Test
  void head_isTheNewestEntryAndTheClock() throws Exception {
    assertEquals(0, store().head(LOG).seq());
    List<Entry> stored = append(LOG, 3);

    LogHead head = store().head(LOG);

    assertEquals(3, head.seq());
    assertEquals(stored.get(2).getChainHash(), head.chainHash());
    assertTrue(!head.clock().isBefore(head.recordedAt()));
  }

  @Test
  void checkpointNamingNoStoredEntry_isRefused() throws Exception {
    append(LOG, 1);
    try (AppendTransaction tx = store().lockHead(LOG)) {
      Checkpoint beyond = unsigned(tx.head()).toBuilder().setSeq(7).build();

      assertThrows(StoreException.class, () -> {
        tx.insertCheckpoint(beyond);
        tx.commit();
      });
    }
    assertTrue(store().latestCheckpoints(LOG, null, 10).isEmpty());
  }

  @Test
  void forwardingCursor_movesForwardOnly_pausesAndResumes_andReplays() throws Exception {
    ForwardingStore f = store().forwarding();
    assertEquals(ForwardCursor.start("siem", LOG), f.cursor("siem", LOG));
    append(LOG, 4);
    checkpoint("aa");
    append(LOG, 2);
    checkpoint("aa");

    f.advance("siem", LOG, 5, 2);
    f.advance("siem", LOG, 3, 1);
    assertEquals(5, f.cursor("siem", LOG).seq(), "never back");
    assertEquals(2, f.cursor("siem", LOG).checkpointId());
    f.failed("siem", LOG, "HTTP 401", true);
    assertEquals("HTTP 401", f.cursor("siem", LOG).paused());
    assertEquals("HTTP 401", f.cursor("siem", LOG).lastError());
    f.replay("siem", LOG, 0);
    assertEquals(null, f.cursor("siem", LOG).paused());
    assertEquals(5, f.cursor("siem", LOG).seq());
    f.replay("siem", LOG, 5);
    assertEquals(4, f.cursor("siem", LOG).seq());
    assertEquals(1, f.cursor("siem", LOG).checkpointId(), "the checkpoint at seq 6 again");
    assertEquals(List.of("siem"), f.cursors().stream().map(ForwardCursor::destination).toList());
  }

  @Test
  void forwardingReads_entriesAfterASeq_andCheckpointsInTheOrderMade() throws Exception {
    ForwardingStore f = store().forwarding();
    List<Entry> stored = append(LOG, 3);
    Checkpoint first = checkpoint("aa");
    Checkpoint second = checkpoint("bb");

    assertEquals(stored.subList(1, 3), f.entries(LOG, 1, 10));
    List<StoredCheckpoint> all = f.checkpoints(LOG, 0, 10);
    assertEquals(List.of(first, second), all.stream().map(StoredCheckpoint::checkpoint).toList());
    assertTrue(all.get(0).id() < all.get(1).id());
    assertEquals(List.of(second), f.checkpoints(LOG, all.get(0).id(), 10).stream()
        .map(StoredCheckpoint::checkpoint).toList());
    assertEquals(3, f.head(LOG).seq());
  }

  @Test
  void forwardingLease_isHeldByOneHolderAtATime() throws Exception {
    ForwardingStore f = store().forwarding();
    try (ForwardingStore.Lease lease = f.tryLead("siem", LOG).orElseThrow()) {
      assertTrue(lease.valid());
      assertTrue(f.tryLead("siem", LOG).isEmpty());
      try (ForwardingStore.Lease other = f.tryLead("other-siem", LOG).orElseThrow()) {
        assertTrue(other.valid());
      }
    }
    f.tryLead("siem", LOG).orElseThrow().close();
  }

  private static final EntryFilter NONE = EntryFilter.NONE;
  /** 1024 characters of four UTF-8 bytes each: more than a btree entry may hold. */
  private static final String LONG_TARGET = "\uD83D\uDD12".repeat(1024);

  /** Seven entries of varied fields (their seqs 1..7 are what the search tests expect). */
  private List<Entry> searchLog() throws StoreException {
    return appendDrafts(List.of(
        draft("user.login", "alice", "tenant/acme", Outcome.OUTCOME_SUCCESS, "auth-backend",
            "203.0.113.7"),
        draft("user.login", "bob", "tenant/acme", Outcome.OUTCOME_FAILURE, "auth-backend",
            "203.0.113.9"),
        draft("user.logout", "alice", "tenant/beta", Outcome.OUTCOME_SUCCESS, "auth-backend",
            "2001:db8::1"),
        draft("userx.odd", "carol", "", Outcome.OUTCOME_DENIED, "billing", ""),
        draft("config.change", "alice", "tenant/acme", Outcome.OUTCOME_ERROR, "billing",
            "10.1.2.3"),
        draft("user.register", "dave", LONG_TARGET, Outcome.OUTCOME_FAILURE, "auth-backend",
            "2001:db8:1::5"),
        draft("user_login", "erin", "tenant/beta", Outcome.OUTCOME_SUCCESS, "auth-backend",
            "198.51.99.1")));
  }

  /** The seqs of every entry that {@code f} selects, read in pages of 10. */
  private List<Long> pagesOf10(EntryFilter f) throws StoreException {
    List<Long> all = new ArrayList<>();
    long after = 0;
    for (Page p; ; after = all.get(all.size() - 1)) {
      p = store().list(new ListQuery(LOG, after, null, null, f, 10));
      all.addAll(seqs(p));
      if (!p.more()) {
        return all;
      }
    }
  }

  private void assertSeqs(List<Integer> expected, EntryFilter filter) throws StoreException {
    List<Long> want = expected.stream().map(Integer::longValue).toList();
    assertEquals(want, seqs(store().list(new ListQuery(LOG, 0, null, null, filter, 100))),
        filter.toString());
  }

  private static EntryFilter ip(String range) {
    return NONE.withSourceIp(IpRange.parse(range));
  }

  private static List<Long> seqs(Page page) {
    return page.entries().stream().map(Entry::getSeq).toList();
  }

  private static Instant instant(Timestamp t) {
    return Instant.ofEpochSecond(t.getSeconds(), t.getNanos());
  }

  private static Entry draft(String action, String userId, String target, Outcome outcome,
      String producer, String sourceIp) {
    return Entry.newBuilder().setEventId(UUID.randomUUID().toString()).setUserId(userId)
        .setAction(action).setTarget(target).setOutcome(outcome).setProducer(producer)
        .setSourceIp(sourceIp).build();
  }

  private List<Entry> appendDrafts(List<Entry> drafts) throws StoreException {
    try (AppendTransaction tx = store().beginAppend(LOG, List.of(), AppendMode.READ)) {
      List<Entry> sealed = seal(tx.head(), drafts);
      tx.insert(sealed);
      tx.commit();
      return sealed;
    }
  }

  /** Stores a checkpoint of the head; key id {@code keyByte} x 32; stores do not verify. */
  private Checkpoint checkpoint(String keyByte) throws StoreException {
    try (AppendTransaction tx = store().lockHead(LOG)) {
      Checkpoint c = unsigned(tx.head()).toBuilder().setKeyId(keyByte.repeat(32)).build();
      tx.insertCheckpoint(c);
      tx.commit();
      return c;
    }
  }

  private static Checkpoint unsigned(LogHead head) {
    return Checkpoint.newBuilder().setLogId(LOG).setSeq(head.seq())
        .setChainHash(head.chainHash()).setRecordedAt(timestamp(head.nextRecordedAt()))
        .setKeyId("0".repeat(64)).setPublicKey(ByteString.copyFrom(new byte[44]))
        .setSignature(ByteString.copyFrom(new byte[64])).build();
  }

  private LogHead head() throws StoreException {
    try (AppendTransaction tx = store().beginAppend(LOG, List.of(), AppendMode.READ)) {
      return tx.head();
    }
  }

  /** Appends {@code n} new entries to {@code log} in one group; returns them as stored. */
  private List<Entry> append(String log, int n) throws StoreException {
    try (AppendTransaction tx = store().beginAppend(log, List.of(), AppendMode.READ)) {
      List<Entry> sealed = seal(tx.head(), drafts(n));
      tx.insert(sealed);
      tx.commit();
      return sealed;
    }
  }

  private void commit(LogHead after, List<Entry> sealed) throws StoreException {
    try (AppendTransaction tx = store().beginAppend(LOG, List.of(), AppendMode.after(after))) {
      tx.insert(sealed);
      tx.commit();
    }
  }

  static List<Entry> seal(LogHead after, List<Entry> drafts) {
    return seal(after, drafts, after.nextRecordedAt());
  }

  static List<Entry> seal(LogHead after, List<Entry> drafts, Instant recordedAt) {
    Chain chain = new Chain(after.seq(), after.chainHash(), recordedAt);
    return drafts.stream().map(chain::seal).toList();
  }

  static List<Entry> drafts(int n) {
    List<Entry> drafts = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      drafts.add(withAction("user.register"));
    }
    return drafts;
  }

  private static Entry withAction(String action) {
    return Entry.newBuilder().setEventId(UUID.randomUUID().toString())
        .setUserId("user-" + UUID.randomUUID()).setAction(action)
        .setOutcome(Outcome.OUTCOME_FAILURE).setProducer("auth-backend")
        .putRiskSignals("risk_score", "0.87").build();
  }

  private static Timestamp timestamp(Instant i) {
    return Timestamp.newBuilder().setSeconds(i.getEpochSecond())
        .setNanos(i.getNano() / 1000 * 1000).build();
  }
}
