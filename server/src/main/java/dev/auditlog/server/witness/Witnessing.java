package dev.auditlog.server.witness;

import dev.auditlog.api.v1.Checkpoint;
import dev.auditlog.integrity.tlog.Note;
import dev.auditlog.server.store.Cosignature;
import dev.auditlog.server.store.CosignatureStore;
import dev.auditlog.server.store.StoreException;
import dev.auditlog.server.tree.LogTree;
import dev.auditlog.server.tree.TreeMismatchException;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Has one log's checkpoints cosigned by witnesses (c2sp.org/tlog-witness): each new
 * checkpoint goes to every configured witness with a consistency proof from the tree size the
 * witness cosigned last, on a thread of its own; the cosignatures that verify with the
 * witness's key are stored, and {@link #witnessed} adds them to the note of the checkpoints
 * the server hands out.
 *
 * <p>A witness that answers with another size (409, {@code text/x.tlog.size}) is asked once
 * more from that size. A witness that refuses the proof (422), or has cosigned a larger tree
 * than the log has, is evidence that the log was rewritten or shows two views: it is logged
 * as {@code WITNESS REFUSED} and the checkpoint stays without its cosignature. Failures to
 * reach a witness are logged and left for the next checkpoint. Thread-safe.
 */
public final class Witnessing implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Witnessing.class);
  /** Checkpoints waiting to be sent; an older one waiting is superseded by a newer one. */
  private static final int QUEUE = 4;

  private final String logId;
  private final List<WitnessEndpoint> witnesses;
  private final CosignatureStore store;
  private final LogTree tree;
  private final ExecutorService sender;
  private final Map<String, String> lastAnswers = new ConcurrentHashMap<>();

  public Witnessing(String logId, WitnessConfig config, CosignatureStore store, LogTree tree) {
    this.logId = logId;
    this.witnesses = config.witnesses();
    this.store = store;
    this.tree = tree;
    this.sender = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS,
        new LinkedBlockingQueue<>(QUEUE), r -> {
          Thread t = new Thread(r, "witness-" + logId);
          t.setDaemon(true);
          return t;
        }, new ThreadPoolExecutor.DiscardOldestPolicy());
  }

  /** Sends {@code checkpoint} to the witnesses, later, unless it has no tree. */
  public void submit(Checkpoint checkpoint) {
    if (!witnesses.isEmpty() && !checkpoint.getNote().isEmpty()) {
      sender.execute(() -> witnessAll(checkpoint));
    }
  }

  /** The last answer of each witness, by name, for operators and tests. */
  public Map<String, String> lastAnswers() {
    return Map.copyOf(lastAnswers);
  }

  private void witnessAll(Checkpoint c) {
    for (WitnessEndpoint w : witnesses) {
      try {
        String answer = witness(w, c);
        lastAnswers.put(w.name(), answer);
      } catch (IOException e) {
        lastAnswers.put(w.name(), "unreachable: " + e);
        log.warn("witness {} could not be reached for log '{}' at tree size {}: {}", w,
            logId, c.getTreeSize(), e.toString());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } catch (StoreException | TreeMismatchException | RuntimeException e) {
        lastAnswers.put(w.name(), "failed: " + e.getMessage());
        log.warn("witnessing log '{}' at tree size {} by {} failed: {}", logId,
            c.getTreeSize(), w.name(), e.getMessage());
      }
    }
  }

  /** One witness, asked again once from the size it says it has. Returns what happened. */
  private String witness(WitnessEndpoint w, Checkpoint c) throws IOException,
      InterruptedException, StoreException, TreeMismatchException {
    long size = c.getTreeSize();
    long old = store.latestSize(logId, w.name()).filter(s -> s <= size).orElse(0L);
    for (int attempt = 0; attempt < 2; attempt++) {
      List<byte[]> proof = old == 0 || old == size ? List.of()
          : tree.consistencyProof(old, size);
      WitnessEndpoint.Answer answer = w.addCheckpoint(old, proof, c.getNote());
      if (answer instanceof WitnessEndpoint.Cosigned cosigned) {
        return keep(w, c, cosigned.signatureLines());
      }
      if (answer instanceof WitnessEndpoint.OtherSize other && attempt == 0
          && other.size() <= size) {
        old = other.size();
        continue;
      }
      return refused(w, c, answer);
    }
    throw new IllegalStateException("unreachable");
  }

  private String keep(WitnessEndpoint w, Checkpoint c, String lines) throws StoreException {
    Note ours = Note.parse(c.getNote());
    Note answered;
    try {
      answered = Note.parse(c.getNote() + lines);
    } catch (IllegalArgumentException e) {
      log.warn("witness {} answered lines that are not note signatures: {}", w, e.getMessage());
      return "malformed answer";
    }
    List<Cosignature> valid = new ArrayList<>();
    for (Note.Signature s : answered.signatures()) {
      if (ours.signatures().contains(s) || !s.keyName().equals(w.name())) {
        continue;
      }
      Note single = new Note(ours.text(), List.of(s));
      var time = w.key().timestamp(single);
      if (time.isPresent()) {
        valid.add(new Cosignature(c.getTreeSize(), root(c), w.name(), s.line(),
            Instant.ofEpochSecond(time.getAsLong())));
      }
    }
    if (valid.isEmpty()) {
      log.warn("witness {} answered log '{}' at tree size {} without a cosignature that"
          + " verifies with its key", w, logId, c.getTreeSize());
      return "no valid cosignature";
    }
    store.insert(logId, valid);
    return "cosigned tree size " + c.getTreeSize();
  }

  private String refused(WitnessEndpoint w, Checkpoint c, WitnessEndpoint.Answer answer) {
    if (answer instanceof WitnessEndpoint.OtherSize other) {
      log.error("WITNESS REFUSED log '{}': {} has cosigned tree size {}, larger than this"
          + " checkpoint's {}: the log lost entries or shows another view", logId, w,
          other.size(), c.getTreeSize());
      return "has cosigned a larger tree, size " + other.size();
    }
    WitnessEndpoint.Refused r = (WitnessEndpoint.Refused) answer;
    if (r.status() == 422 || r.status() == 409) {
      log.error("WITNESS REFUSED log '{}' at tree size {}: {} answered HTTP {} ({}): the tree"
          + " is not consistent with the one it cosigned before", logId, c.getTreeSize(), w,
          r.status(), r.body().strip());
    } else {
      log.warn("witness {} refused log '{}' at tree size {} with HTTP {} ({}); does it know"
          + " this log's origin and key?", w, logId, c.getTreeSize(), r.status(),
          r.body().strip());
    }
    return "refused with HTTP " + r.status();
  }

  /**
   * {@code c} with the stored cosignatures of its note that verify with a configured
   * witness's key added to the note, the latest of each witness.
   */
  public Checkpoint witnessed(Checkpoint c) throws StoreException {
    if (witnesses.isEmpty() || c.getNote().isEmpty()) {
      return c;
    }
    Note note = Note.parse(c.getNote());
    Set<String> added = new HashSet<>();
    for (Cosignature s : store.of(logId, c.getTreeSize(), root(c))) {
      for (WitnessEndpoint w : witnesses) {
        if (!w.name().equals(s.witness()) || added.contains(w.name())) {
          continue;
        }
        try {
          Note.Signature line =
              Note.parse(note.text() + "\n" + s.signatureLine() + "\n").signatures().get(0);
          if (w.key().verifies(new Note(note.text(), List.of(line)))) {
            note = note.withSignature(line);
            added.add(w.name());
          }
        } catch (IllegalArgumentException malformed) {
          // a row that is no signature line: not a cosignature
        }
      }
    }
    return c.toBuilder().setNote(note.format()).build();
  }

  private static byte[] root(Checkpoint c) {
    return HexFormat.of().parseHex(c.getMerkleRoot());
  }

  @Override
  public void close() {
    sender.shutdownNow();
    try {
      sender.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
