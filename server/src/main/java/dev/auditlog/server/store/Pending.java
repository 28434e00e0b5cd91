package dev.auditlog.server.store;

import dev.auditlog.api.v1.Entry;
import java.util.concurrent.CompletableFuture;

/** An append waiting in a {@link Sequencer}'s queue, and how often its group was sealed again. */
final class Pending {
  final Entry draft;
  final CompletableFuture<Entry> future;
  /** Submit order, which a group sealed again keeps. */
  final long order;
  int attempts;

  Pending(Entry draft, CompletableFuture<Entry> future, long order) {
    this.draft = draft;
    this.future = future;
    this.order = order;
  }
}
