package dev.auditlog.server.store;

import dev.auditlog.api.v1.Entry;
import java.util.concurrent.CompletableFuture;

/** An append waiting in a {@link Sequencer}'s queue, and how often its group was sealed again. */
final class Pending {
  final Entry draft;
  final CompletableFuture<Entry> future;
  /** Submit order, which a group sealed again keeps. */
  final long order;
  /** The draft's serialized size, what it counts against the byte budgets. */
  final int bytes;
  /** How often its group was sealed again; only the thread that holds it changes it. */
  int attempts;

  Pending(Entry draft, CompletableFuture<Entry> future, long order, int bytes) {
    this.draft = draft;
    this.future = future;
    this.order = order;
    this.bytes = bytes;
  }
}
