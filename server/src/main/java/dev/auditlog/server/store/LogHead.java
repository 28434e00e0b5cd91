package dev.auditlog.server.store;

import dev.auditlog.integrity.EntryHasher;
import java.time.Instant;

/**
 * The newest entry of a log as seen under the append lock, and the database clock read
 * with it.
 *
 * @param seq the newest entry's seq, 0 for an empty log
 * @param chainHash its chain hash in hex, {@link EntryHasher#GENESIS_CHAIN_HASH} when empty
 * @param recordedAt its recorded_at, null when empty
 * @param clock the database server's clock, read after the lock was taken
 */
public record LogHead(long seq, String chainHash, Instant recordedAt, Instant clock) {

  /** The time the next entries are recorded at: the clock, never before the head. */
  public Instant nextRecordedAt() {
    return recordedAt != null && recordedAt.isAfter(clock) ? recordedAt : clock;
  }
}
