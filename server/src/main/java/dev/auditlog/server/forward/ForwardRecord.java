package dev.auditlog.server.forward;

import dev.auditlog.api.v1.Checkpoint;
import dev.auditlog.api.v1.Entry;
import dev.auditlog.integrity.EntryFields;
import dev.auditlog.integrity.EntryHasher;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * One thing a destination receives, in the order of the log: an entry, or a signed
 * checkpoint, which follows the entry with its seq. Immutable.
 */
public sealed interface ForwardRecord {

  /** The log the record is of. */
  String logId();

  /** The entry's seq; for a checkpoint, the seq of the last entry it covers. */
  long seq();

  /**
   * The record as flat JSON members, the form every destination carries (as a document, an
   * event, or a syslog message's fields): {@code type} ({@code entry} or {@code checkpoint}),
   * {@code log_id}, and for an entry its twelve hashed fields in the hash format's text form
   * with {@code entry_hash} and {@code chain_hash}, so a SIEM can recompute the hashes; for a
   * checkpoint {@code seq}, {@code chain_hash}, {@code recorded_at}, {@code key_id} and the
   * Ed25519 {@code signature} in base64, as in an export's checkpoint line.
   */
  Map<String, Object> members();

  /** An entry of {@code logId}. */
  record EntryRecord(String logId, Entry entry) implements ForwardRecord {
    public EntryRecord {
      Objects.requireNonNull(logId, "logId");
      Objects.requireNonNull(entry, "entry");
    }

    @Override
    public long seq() {
      return entry.getSeq();
    }

    @Override
    public Map<String, Object> members() {
      EntryFields f = EntryFields.of(entry);
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("type", "entry");
      m.put("log_id", logId);
      m.put("seq", f.seq());
      m.put("recorded_at", f.recordedAt());
      m.put("event_id", f.eventId());
      m.put("user_id", f.userId());
      m.put("action", f.action());
      m.put("target", f.target());
      m.put("source_ip", f.sourceIp());
      m.put("outcome", f.outcome());
      m.put("occurred_at", f.occurredAt());
      m.put("risk_signals", f.riskSignals());
      m.put("attributes", f.attributes());
      m.put("producer", f.producer());
      m.put("entry_hash", entry.getEntryHash());
      m.put("chain_hash", entry.getChainHash());
      return m;
    }
  }

  /** A signed checkpoint of {@code logId}, whose signature the server verified. */
  record CheckpointRecord(String logId, Checkpoint checkpoint) implements ForwardRecord {
    public CheckpointRecord {
      Objects.requireNonNull(logId, "logId");
      Objects.requireNonNull(checkpoint, "checkpoint");
    }

    @Override
    public long seq() {
      return checkpoint.getSeq();
    }

    @Override
    public Map<String, Object> members() {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("type", "checkpoint");
      m.put("log_id", logId);
      m.put("seq", checkpoint.getSeq());
      m.put("chain_hash", checkpoint.getChainHash());
      m.put("recorded_at", EntryHasher.timestamp(checkpoint.getRecordedAt()));
      m.put("key_id", checkpoint.getKeyId());
      m.put("signature", Base64.getEncoder().encodeToString(
          checkpoint.getSignature().toByteArray()));
      return m;
    }
  }
}
