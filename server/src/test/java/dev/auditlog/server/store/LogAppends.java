package dev.auditlog.server.store;

import dev.auditlog.api.v1.Entry;
import dev.auditlog.api.v1.Outcome;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/** Appends made-up entries straight to a store, in groups, as the sequencer would. */
public final class LogAppends {
  private LogAppends() {}

  /** Appends {@code n} entries to {@code logId} in groups of at most 1000; returns them. */
  public static List<Entry> append(AuditStore store, String logId, int n)
      throws StoreException {
    List<Entry> all = new ArrayList<>();
    while (all.size() < n) {
      int group = Math.min(1000, n - all.size());
      try (AppendTransaction tx = store.beginAppend(logId, List.of(), AppendMode.LOCKED)) {
        LogHead head = tx.head();
        Chain chain = new Chain(head.seq(), head.chainHash(), head.nextRecordedAt());
        List<Entry> sealed = new ArrayList<>();
        for (int i = 0; i < group; i++) {
          sealed.add(chain.seal(draft()));
        }
        tx.insert(sealed);
        tx.commit();
        all.addAll(sealed);
      }
    }
    return all;
  }

  private static Entry draft() {
    return Entry.newBuilder().setEventId(UUID.randomUUID().toString())
        .setUserId("user-1").setAction("user.register")
        .setOutcome(Outcome.OUTCOME_FAILURE).setProducer("auth-backend").build();
  }
}
