package dev.auditlog.server.store.memory;

import dev.auditlog.server.store.Cosignature;
import dev.auditlog.server.store.CosignatureStore;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/** The witness cosignatures of a {@link MemoryAuditStore}. Thread-safe. */
final class MemoryCosignatures implements CosignatureStore {
  private record Row(String logId, Cosignature cosignature) {}

  private final List<Row> rows = new ArrayList<>();

  @Override
  public synchronized void insert(String logId, List<Cosignature> cosignatures) {
    cosignatures.forEach(c -> rows.add(new Row(logId, c)));
  }

  @Override
  public synchronized List<Cosignature> of(String logId, long treeSize, byte[] merkleRoot) {
    return rows.stream().filter(r -> r.logId.equals(logId))
        .map(Row::cosignature)
        .filter(c -> c.treeSize() == treeSize && Arrays.equals(c.merkleRoot(), merkleRoot))
        .sorted(Comparator.comparing(Cosignature::cosignedAt).reversed())
        .toList();
  }

  @Override
  public synchronized Optional<Long> latestSize(String logId, String witness) {
    return rows.stream().filter(r -> r.logId.equals(logId))
        .map(Row::cosignature).filter(c -> c.witness().equals(witness))
        .map(Cosignature::treeSize).max(Long::compare);
  }
}
