package dev.auditlog.server.grpc;

import com.google.protobuf.ByteString;
import dev.auditlog.api.v1.Checkpoint;
import dev.auditlog.api.v1.Entry;
import dev.auditlog.api.v1.ExportHeader;
import dev.auditlog.api.v1.ExportRequest;
import dev.auditlog.api.v1.ExportResponse;
import dev.auditlog.integrity.EntryHasher;
import dev.auditlog.server.checkpoint.Checkpointer;
import dev.auditlog.server.checkpoint.InconsistentLogException;
import dev.auditlog.server.store.AuditStore;
import dev.auditlog.server.store.StoreException;
import dev.auditlog.server.tree.LogTree;
import dev.auditlog.server.tree.TreeMismatchException;
import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running Export: resolves the range and its covering checkpoint, then streams the
 * header, the entries page by page and the checkpoint, each message only when the client
 * can take it. Memory stays at about one page whatever the export's size.
 *
 * <p>Constructed on the call's thread (it registers the flow-control handlers, which gRPC
 * allows only there); {@link #run} then blocks on a thread of its own.
 */
final class ExportCall {
  private static final Logger log = LoggerFactory.getLogger(ExportCall.class);
  private static final int PAGE_SIZE = 500;
  /** Entries per message stay under 1 MiB: below the 4 MiB clients accept by default. */
  private static final int MESSAGE_BYTES = 1 << 20;

  private final AuditStore store;
  private final Checkpointer checkpointer;
  private final String logId;
  private final ServerCallStreamObserver<ExportResponse> out;
  private final Duration stallTimeout;
  private final Object readiness = new Object();
  private volatile boolean cancelled;

  /** @param stallTimeout how long the client may take no message before the export ends */
  ExportCall(AuditStore store, Checkpointer checkpointer, String logId,
      StreamObserver<ExportResponse> response, Duration stallTimeout) {
    this.store = store;
    this.checkpointer = checkpointer;
    this.logId = logId;
    this.stallTimeout = stallTimeout;
    this.out = (ServerCallStreamObserver<ExportResponse>) response;
    out.setOnReadyHandler(this::wake);
    out.setOnCancelHandler(() -> {
      cancelled = true;
      wake();
    });
  }

  /** Streams the export; ends the call with its status. */
  void run(ExportRequest request) {
    try {
      Checkpoint checkpoint = covering(wantedTo(request));
      long from = from(request, checkpoint.getSeq());
      send(ExportResponse.newBuilder().setHeader(ExportHeader.newBuilder()
          .setLogId(logId).setFromSeq(from).setToSeq(checkpoint.getSeq())
          .setPrevChainHash(prevChainHash(from))
          .addAllLeftFrontier(leftFrontier(checkpoint, from))).build());
      streamEntries(from - 1, checkpoint.getSeq());
      send(ExportResponse.newBuilder().setCheckpoint(checkpoint).build());
      if (!cancelled) {
        out.onCompleted();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      out.onError(Status.UNAVAILABLE.withDescription("server is shutting down").asException());
    } catch (StalledException e) {
      log.info("export of log '{}' stopped: {}", logId, e.getMessage());
      out.onError(Status.DEADLINE_EXCEEDED.withDescription(e.getMessage()).asException());
    } catch (Exception e) {
      if (!cancelled) {
        out.onError(StoreStatus.of(e, "").asException());
      }
    }
  }

  /** The last entry the caller wants, or null for the head. */
  private Long wantedTo(ExportRequest r) throws StoreException {
    Long to = r.getToSeq() > 0 ? r.getToSeq() : null;
    if (r.hasUntil()) {
      long last = store.lastSeqBefore(logId, instant(r.getUntil())).orElse(0L);
      to = to == null ? last : Math.min(to, last);
    }
    return to;
  }

  private long from(ExportRequest r, long lastSeq) throws StoreException, StatusException {
    long from = Math.max(1, r.getFromSeq());
    if (from > lastSeq + 1) {
      throw Status.OUT_OF_RANGE.withDescription("from_seq: " + from
          + " is after the checkpointed head, seq " + lastSeq).asException();
    }
    if (r.hasSince()) {
      long first = store.firstSeqSince(logId, instant(r.getSince())).orElse(lastSeq + 1);
      from = Math.min(Math.max(from, first), lastSeq + 1);
    }
    long archived = store.archivedUpTo(logId);
    if (from <= archived) {
      throw Status.FAILED_PRECONDITION.withDescription("from_seq: entries 1.." + archived
          + " of log '" + logId + "' were archived out of the store (they are in the archive"
          + " files); export from seq " + (archived + 1) + ", which verifies after the"
          + " archive's checkpoint of seq " + archived).asException();
    }
    return from;
  }

  /**
   * The earliest stored checkpoint at or after {@code to}, else a new one of the head. If
   * the store no longer matches its newest checkpoint, that one: the export then shows
   * the damage instead of the server signing over it.
   */
  private Checkpoint covering(Long to) throws StoreException, StatusException {
    if (to != null) {
      Optional<Checkpoint> stored = checkpointer.covering(to);
      if (stored.isPresent()) {
        return stored.get();
      }
    }
    try {
      return checkpointer.fresh();
    } catch (InconsistentLogException e) {
      log.error("TAMPERING DETECTED, exporting against the last good checkpoint: {}",
          e.getMessage());
      return checkpointer.latest().orElseThrow(
          () -> Status.DATA_LOSS.withDescription(e.getMessage()).asException());
    }
  }

  private String prevChainHash(long from) throws StoreException, StatusException {
    if (from == 1) {
      return EntryHasher.GENESIS_CHAIN_HASH;
    }
    return store.chainHashAt(logId, from - 1).orElseThrow(() -> Status.DATA_LOSS
        .withDescription("entry seq " + (from - 1) + " is missing from the store").asException());
  }

  /**
   * The perfect subtrees of entries 1..from - 1, so that the range with them gives the
   * checkpoint's Merkle root; none when the checkpoint has no root.
   */
  private List<ByteString> leftFrontier(Checkpoint checkpoint, long from)
      throws StoreException, TreeMismatchException {
    if (checkpoint.getMerkleRoot().isEmpty() || from == 1) {
      return List.of();
    }
    LogTree tree = checkpointer.tree();
    if (tree.size() < from - 1 && tree.integrate() < from - 1) {
      throw new StoreException("log '" + logId + "': the Merkle tree has " + tree.size()
          + " entries, fewer than the " + (from - 1) + " before the export", true, null);
    }
    List<ByteString> frontier = new ArrayList<>();
    tree.leftFrontier(from - 1).forEach(h -> frontier.add(ByteString.copyFrom(h)));
    return frontier;
  }

  private void streamEntries(long after, long to)
      throws StoreException, InterruptedException, StalledException {
    while (after < to && !cancelled) {
      List<Entry> page = store.entries(logId, after, to, PAGE_SIZE);
      if (page.isEmpty()) {
        return; // entries missing from the store: the verifier names them
      }
      ExportResponse.Builder message = ExportResponse.newBuilder();
      int bytes = 0;
      for (Entry e : page) {
        if (bytes > 0 && bytes + e.getSerializedSize() > MESSAGE_BYTES) {
          send(message.build());
          message = ExportResponse.newBuilder();
          bytes = 0;
        }
        message.addEntries(e);
        bytes += e.getSerializedSize();
      }
      send(message.build());
      after = page.get(page.size() - 1).getSeq();
    }
  }

  /**
   * Sends when the client can take it; a client that takes nothing for the stall timeout
   * (it stopped reading, or reads too slowly to matter) ends the export, so that it cannot
   * hold an export thread for good.
   */
  private void send(ExportResponse message) throws InterruptedException, StalledException {
    long deadline = System.nanoTime() + stallTimeout.toNanos();
    synchronized (readiness) {
      while (!out.isReady() && !cancelled) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          cancelled = true;
          throw new StalledException("export stalled: the client took no message for "
              + stallTimeout.toSeconds() + " s; export again from the last seq received");
        }
        readiness.wait(Math.max(1, Math.min(1000, TimeUnit.NANOSECONDS.toMillis(left))));
      }
    }
    if (!cancelled) {
      out.onNext(message);
    }
  }

  /** The client took no message within the stall timeout. */
  private static final class StalledException extends Exception {
    private static final long serialVersionUID = 1L;

    StalledException(String message) {
      super(message);
    }
  }

  private void wake() {
    synchronized (readiness) {
      readiness.notifyAll();
    }
  }

  private static Instant instant(com.google.protobuf.Timestamp t) {
    return Instant.ofEpochSecond(t.getSeconds(), t.getNanos());
  }
}
