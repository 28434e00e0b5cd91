package dev.auditlog.server.store;

import java.time.Instant;
import java.util.Arrays;

/**
 * One witness cosignature of a log's checkpoint note, as a witness returned it.
 *
 * @param treeSize the size of the tree the note states
 * @param merkleRoot its root hash, 32 bytes (not copied)
 * @param witness the witness's key name
 * @param signatureLine the note signature line, {@code — name base64}
 * @param cosignedAt the time the cosignature states
 */
public record Cosignature(long treeSize, byte[] merkleRoot, String witness,
    String signatureLine, Instant cosignedAt) {

  @Override
  public boolean equals(Object o) {
    return o instanceof Cosignature c && c.treeSize == treeSize
        && Arrays.equals(c.merkleRoot, merkleRoot) && c.witness.equals(witness)
        && c.signatureLine.equals(signatureLine) && c.cosignedAt.equals(cosignedAt);
  }

  @Override
  public int hashCode() {
    return signatureLine.hashCode();
  }
}
