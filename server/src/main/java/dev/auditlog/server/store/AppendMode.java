package dev.auditlog.server.store;

import java.util.Objects;

/**
 * How an append begins ({@link AuditStore#beginAppend}): what is read before the group is
 * sealed, and when the log's lock is taken.
 */
public sealed interface AppendMode {
  /**
   * Read the head, the database clock and the stored event ids without the lock; the
   * commit takes the lock and stores the group only if the head is still the one read (or
   * the one given by {@link AppendTransaction#chainAfter}).
   */
  AppendMode READ = new Read();

  /**
   * Take the log's lock first, then read: the commit cannot find the head moved. For a
   * group that lost a race, so that it cannot lose it again; the caller must have no other
   * append of its own committing to the log, or it waits for itself.
   */
  AppendMode LOCKED = new Locked();

  /**
   * Read nothing: the group is sealed after {@code head}, known from the previous group,
   * with a recent reading of the database clock. The commit refuses the group ({@link
   * HeadMovedException}) if the head is not {@code head} by then or if one of its event ids
   * is stored already; {@link AppendTransaction#existing()} is empty.
   */
  static AppendMode after(LogHead head) {
    return new After(head);
  }

  /** See {@link #READ}. */
  record Read() implements AppendMode {}

  /** See {@link #LOCKED}. */
  record Locked() implements AppendMode {}

  /** See {@link #after}. */
  record After(LogHead head) implements AppendMode {
    public After {
      Objects.requireNonNull(head, "head");
    }
  }
}
