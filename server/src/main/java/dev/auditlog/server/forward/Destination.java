package dev.auditlog.server.forward;

import java.util.List;

/**
 * A receiver (a SIEM) that a forwarder delivers records to, in the order of the log, at
 * least once. Used by one thread at a time; may keep a connection open between calls.
 */
public interface Destination extends AutoCloseable {

  /** The configured name, for logs and status. */
  String name();

  /**
   * Delivers {@code records} (one or more, in seq order) and returns how many of them, from
   * the first, the receiver now holds as far as its protocol can tell (a 2xx, an indexer
   * acknowledgement, a TLS stream flushed and proved received). Records after that count
   * are sent again later: a destination must accept repeats, and says in its documentation
   * how a receiver tells them apart (the log and seq of every record).
   *
   * @throws DeliveryException when the receiver refused or could not be reached; its kind
   *     says whether to retry (and when), to split the batch, or to pause the destination
   */
  int deliver(List<ForwardRecord> records) throws DeliveryException;

  /** Closes connections; the destination is not used again. */
  @Override
  void close();
}
