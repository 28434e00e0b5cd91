package dev.auditlog.server.forward;

import com.google.protobuf.ByteString;
import com.google.protobuf.Timestamp;
import dev.auditlog.api.v1.Checkpoint;
import dev.auditlog.api.v1.Entry;
import dev.auditlog.api.v1.Outcome;
import java.time.Instant;
import java.util.Map;

/** Records for the syslog tests: a fully populated entry and a checkpoint. */
final class SyslogTestRecords {
  static final String EVENT_ID = "0b9d6c52-3f1e-4a7b-9c2d-5e8f1a2b3c4d";

  private SyslogTestRecords() {}

  /** An entry at {@code seq} with every field set, plainly. */
  static Entry.Builder entry(long seq) {
    return Entry.newBuilder().setSeq(seq)
        .setRecordedAt(timestamp("2026-11-23T09:15:00.123456Z"))
        .setEventId(EVENT_ID).setUserId("user-1001").setAction("user.login")
        .setTarget("account:user-1001").setSourceIp("192.0.2.10")
        .setOutcome(Outcome.OUTCOME_SUCCESS)
        .setOccurredAt(timestamp("2026-11-23T09:14:59.987654Z"))
        .putAllRiskSignals(Map.of("score", "0.87")).putAllAttributes(Map.of("method", "email"))
        .setProducer("auth-backend").setEntryHash("ab".repeat(32)).setChainHash("cd".repeat(32));
  }

  static ForwardRecord record(Entry.Builder entry) {
    return new ForwardRecord.EntryRecord("default", entry.build());
  }

  static ForwardRecord checkpoint(long seq) {
    return new ForwardRecord.CheckpointRecord("default", Checkpoint.newBuilder()
        .setLogId("default").setSeq(seq).setChainHash("cd".repeat(32))
        .setRecordedAt(timestamp("2026-11-23T09:16:00.000000Z")).setKeyId("ee".repeat(32))
        .setPublicKey(ByteString.EMPTY).setSignature(ByteString.copyFrom(new byte[] {1, 2, 3}))
        .build());
  }

  static Timestamp timestamp(String text) {
    Instant at = Instant.parse(text);
    return Timestamp.newBuilder().setSeconds(at.getEpochSecond()).setNanos(at.getNano()).build();
  }
}
