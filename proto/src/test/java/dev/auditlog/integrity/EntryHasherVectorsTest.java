package dev.auditlog.integrity;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.protobuf.Timestamp;
import dev.auditlog.api.v1.Entry;
import dev.auditlog.api.v1.Outcome;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Checks {@link EntryHasher} against the golden vectors in {@code docs/test-vectors}, which
 * an independent implementation (docs/reference/verify_entry_hash.py) computed.
 */
class EntryHasherVectorsTest {
  private static final JsonObject VECTORS = load();

  @TestFactory
  Stream<DynamicTest> everyCase_matchesCanonicalJsonAndEntryHash() {
    List<JsonObject> cases = new ArrayList<>();
    VECTORS.getAsJsonArray("cases").forEach(c -> cases.add(c.getAsJsonObject()));
    VECTORS.getAsJsonArray("standalone_cases").forEach(c -> cases.add(c.getAsJsonObject()));
    return cases.stream().map(c -> DynamicTest.dynamicTest(c.get("name").getAsString(), () -> {
      Entry entry = entry(c.getAsJsonObject("entry"));
      assertEquals(c.get("canonical_json").getAsString(), EntryHasher.canonicalJson(entry));
      assertEquals(c.get("entry_hash").getAsString(), EntryHasher.entryHash(entry));
    }));
  }

  @Test
  void chainedCases_formOneChainFromGenesis() {
    String chain = EntryHasher.GENESIS_CHAIN_HASH;
    for (JsonElement el : VECTORS.getAsJsonArray("cases")) {
      JsonObject c = el.getAsJsonObject();
      assertEquals(c.get("prev_chain_hash").getAsString(), chain);
      chain = EntryHasher.chainHash(chain, EntryHasher.entryHash(entry(c.getAsJsonObject("entry"))));
      assertEquals(c.get("chain_hash").getAsString(), chain, c.get("name").getAsString());
    }
  }

  /** Builds an entry from a vector's "entry" object (hash-format values: "" when absent). */
  static Entry entry(JsonObject o) {
    Entry.Builder b = Entry.newBuilder()
        .setSeq(o.get("seq").getAsLong())
        .setEventId(o.get("event_id").getAsString())
        .setUserId(o.get("user_id").getAsString())
        .setAction(o.get("action").getAsString())
        .setTarget(o.get("target").getAsString())
        .setSourceIp(o.get("source_ip").getAsString())
        .setOutcome(Outcome.valueOf(o.get("outcome").getAsString()))
        .setProducer(o.get("producer").getAsString());
    timestamp(o, "recorded_at").ifPresent(b::setRecordedAt);
    timestamp(o, "occurred_at").ifPresent(b::setOccurredAt);
    for (Map.Entry<String, JsonElement> e : o.getAsJsonObject("risk_signals").entrySet()) {
      b.putRiskSignals(e.getKey(), e.getValue().getAsString());
    }
    for (Map.Entry<String, JsonElement> e : o.getAsJsonObject("attributes").entrySet()) {
      b.putAttributes(e.getKey(), e.getValue().getAsString());
    }
    return b.build();
  }

  private static java.util.Optional<Timestamp> timestamp(JsonObject o, String key) {
    String s = o.get(key).getAsString();
    if (s.isEmpty()) {
      return java.util.Optional.empty();
    }
    Instant i = Instant.parse(s);
    return java.util.Optional.of(
        Timestamp.newBuilder().setSeconds(i.getEpochSecond()).setNanos(i.getNano()).build());
  }

  private static JsonObject load() {
    Path here = Path.of("").toAbsolutePath();
    for (Path p = here; p != null; p = p.getParent()) {
      Path file = p.resolve("docs/test-vectors/entry-hash-v1.json");
      if (Files.isRegularFile(file)) {
        try {
          return JsonParser.parseString(Files.readString(file)).getAsJsonObject();
        } catch (IOException e) {
          throw new IllegalStateException(e);
        }
      }
    }
    throw new IllegalStateException("docs/test-vectors/entry-hash-v1.json not found above " + here);
  }
}
