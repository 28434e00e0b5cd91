package dev.auditlog.client.bench;

import java.util.Arrays;

/**
 * The seq of each acknowledged Append and when its answer came ({@link System#nanoTime()}),
 * in the order the answers came. Thread-safe: the network threads record, the bench reads
 * once the load is over.
 */
final class AckTimes {
  private long[] seqs = new long[1 << 16];
  private long[] nanos = new long[1 << 16];
  private int size;

  /** Records that {@code seq} was acknowledged at {@code time}. */
  synchronized void record(long seq, long time) {
    if (size == seqs.length) {
      seqs = Arrays.copyOf(seqs, size * 2);
      nanos = Arrays.copyOf(nanos, size * 2);
    }
    seqs[size] = seq;
    nanos[size] = time;
    size++;
  }

  /** The acknowledgements that came at or after {@code from}. */
  synchronized ForwardingLag.Acks since(long from) {
    int n = 0;
    long[] s = new long[size];
    long[] t = new long[size];
    for (int i = 0; i < size; i++) {
      if (nanos[i] >= from) {
        s[n] = seqs[i];
        t[n++] = nanos[i];
      }
    }
    return new ForwardingLag.Acks(Arrays.copyOf(s, n), Arrays.copyOf(t, n));
  }
}
