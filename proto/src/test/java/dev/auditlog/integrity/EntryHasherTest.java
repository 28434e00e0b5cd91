package dev.auditlog.integrity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Timestamp;
import dev.auditlog.api.v1.Entry;
import dev.auditlog.api.v1.Outcome;
import org.junit.jupiter.api.Test;

class EntryHasherTest {
  private static final Entry ENTRY = Entry.newBuilder()
      .setSeq(7)
      .setRecordedAt(Timestamp.newBuilder().setSeconds(1_795_000_000L).setNanos(5_000))
      .setEventId("0b9d6c52-3f1e-4a7b-9c2d-5e8f1a2b3c4d")
      .setAction("user.login")
      .setOutcome(Outcome.OUTCOME_SUCCESS)
      .setProducer("auth-backend")
      .build();

  @Test
  void canonicalJson_absentValues_areEmptyStringsAndObjects() {
    String json = EntryHasher.canonicalJson(ENTRY);

    assertTrue(json.contains("\"occurred_at\":\"\""), json);
    assertTrue(json.contains("\"attributes\":{}"), json);
    assertTrue(json.contains("\"recorded_at\":\"2026-11-18T11:06:40.000005Z\""), json);
    assertTrue(json.startsWith("{\"action\":\"user.login\","), json);
    assertTrue(json.endsWith(",\"v\":1}"), json);
  }

  @Test
  void canonicalJson_ignoresTheEntrysOwnHashes() {
    Entry withHashes = ENTRY.toBuilder().setEntryHash("ab").setChainHash("cd").build();

    assertEquals(EntryHasher.canonicalJson(ENTRY), EntryHasher.canonicalJson(withHashes));
  }

  @Test
  void entryHash_changesWithEveryHashedField() {
    String base = EntryHasher.entryHash(ENTRY);

    assertNotEquals(base, EntryHasher.entryHash(ENTRY.toBuilder().setSeq(8).build()));
    assertNotEquals(base, EntryHasher.entryHash(ENTRY.toBuilder().setUserId("u").build()));
    assertNotEquals(base, EntryHasher.entryHash(ENTRY.toBuilder().setProducer("x").build()));
    assertNotEquals(base,
        EntryHasher.entryHash(ENTRY.toBuilder().putRiskSignals("risk_score", "0.1").build()));
    assertNotEquals(base,
        EntryHasher.entryHash(ENTRY.toBuilder().setOutcome(Outcome.OUTCOME_FAILURE).build()));
  }

  @Test
  void entryHash_userIdWithLoneSurrogate_isRefused() {
    Entry e = ENTRY.toBuilder().setUserId("user-\ud800").build();

    assertThrows(IllegalArgumentException.class, () -> EntryHasher.entryHash(e));
  }

  @Test
  void entryHash_attributeValueWithLoneSurrogate_isRefused() {
    Entry e = ENTRY.toBuilder().putAttributes("reason", "\udc00").build();

    assertThrows(IllegalArgumentException.class, () -> EntryHasher.entryHash(e));
  }

  @Test
  void entryHash_emojiInAMapKeyAndValue_hashesTheirUtf8() {
    Entry e = ENTRY.toBuilder().putAttributes("\ud83d\ude00", "\ud83d\ude00").build();

    assertTrue(EntryHasher.canonicalJson(e).contains("\"attributes\":{\"😀\":\"😀\"}"));
  }

  @Test
  void timestamp_withNanoseconds_isRefused() {
    Timestamp ts = Timestamp.newBuilder().setSeconds(1).setNanos(1).build();

    assertThrows(IllegalArgumentException.class, () -> EntryHasher.timestamp(ts));
  }

  @Test
  void timestamp_year9999_isFormattedAndYear10000Refused() {
    assertEquals("9999-12-31T23:59:59.999999Z", EntryHasher.timestamp(
        Timestamp.newBuilder().setSeconds(253402300799L).setNanos(999_999_000).build()));
    assertThrows(IllegalArgumentException.class, () -> EntryHasher.timestamp(
        Timestamp.newBuilder().setSeconds(253402300800L).build()));
  }

  @Test
  void timestamp_isZeroPaddedFromYear1_andBeforeTheEpoch() {
    assertEquals("0001-01-01T00:00:00.000000Z", EntryHasher.timestamp(
        Timestamp.newBuilder().setSeconds(-62135596800L).build()));
    assertEquals("1969-12-31T23:59:59.000001Z", EntryHasher.timestamp(
        Timestamp.newBuilder().setSeconds(-1).setNanos(1000).build()));
    assertEquals("2024-02-29T07:05:09.012000Z", EntryHasher.timestamp(
        Timestamp.newBuilder().setSeconds(1709190309L).setNanos(12_000_000).build()));
  }

  @Test
  void chainHash_ofGenesisAndKnownEntryHash_isSha256OfTheRawBytes() {
    // sha256 of 64 zero bytes
    assertEquals("f5a5fd42d16a20302798ef6ed309979b43003d2320d9f0e8ea9831a92759fb4b",
        EntryHasher.chainHash(EntryHasher.GENESIS_CHAIN_HASH, "0".repeat(64)));
  }

  @Test
  void chainHash_badHexLength_isRefused() {
    assertThrows(IllegalArgumentException.class,
        () -> EntryHasher.chainHash("00", EntryHasher.GENESIS_CHAIN_HASH));
  }
}
