package dev.auditlog.server.store;

import dev.auditlog.api.v1.Entry;
import java.util.concurrent.CompletableFuture;

/** What one append of a sealed group is answered with once the group is committed. */
sealed interface AppendOutcome {

  /** Completes the append's future with this outcome. */
  void complete(CompletableFuture<Entry> future);

  /** The entry the append stored, or the one stored before by a retry of the same event. */
  record Stored(Entry entry) implements AppendOutcome {
    @Override
    public void complete(CompletableFuture<Entry> future) {
      future.complete(entry);
    }
  }

  /** The event id is stored already with other content. */
  record Duplicate(DuplicateEventException refusal) implements AppendOutcome {
    @Override
    public void complete(CompletableFuture<Entry> future) {
      future.completeExceptionally(refusal);
    }
  }
}
