package dev.auditlog.client.verify;

import dev.auditlog.integrity.CheckpointPayload;
import dev.auditlog.integrity.Ed25519Keys;
import dev.auditlog.integrity.EntryFields;
import dev.auditlog.integrity.EntryHasher;
import dev.auditlog.integrity.ExportFormat;
import dev.auditlog.integrity.tlog.Merkle;
import dev.auditlog.integrity.tlog.NoteSigner;
import dev.auditlog.integrity.tlog.TlogCheckpoint;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.security.KeyPair;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * Version-2 export files of a log, as the server and {@code audit export} write them, signed
 * by a key the test chooses: the whole log, ranges with their left frontier, checkpoint lines
 * with a Merkle root and a note of origin {@value #ORIGIN}.
 */
final class TreeExports {
  static final String LOG = "default";
  static final String ORIGIN = "localhost/audit/" + LOG;
  static final String RECORDED_AT = "2026-11-23T10:00:00.000000Z";

  private TreeExports() {}

  /** The whole export of {@code log}: header, entries, checkpoint of the last. */
  static List<String> export(List<EntryFields> log, KeyPair key) {
    return range(log, 1, key);
  }

  /** The export of {@code log} from seq {@code from}, with the frontier of seq 1..from-1. */
  static List<String> range(List<EntryFields> log, int from, KeyPair key) {
    List<String> lines = new ArrayList<>();
    lines.add(ExportFormat.headerLine(LOG, from, log.size(), chainUpTo(log, from - 1),
        frontier(log, from - 1)));
    lines.addAll(entryLines(log, from));
    lines.add(checkpointLine(key, log.size(), chainUpTo(log, log.size()), root(log, log.size())));
    return lines;
  }

  /** The entry lines of {@code log} from seq {@code from}, hashes and chain as stored. */
  static List<String> entryLines(List<EntryFields> log, int from) {
    List<String> lines = new ArrayList<>();
    String chain = chainUpTo(log, from - 1);
    for (EntryFields e : log.subList(from - 1, log.size())) {
      String hash = EntryHasher.entryHash(e);
      chain = EntryHasher.chainHash(chain, hash);
      lines.add(ExportFormat.entryLine(e, hash, chain));
    }
    return lines;
  }

  /** A checkpoint line with a Merkle root and its note, both signed by {@code key}. */
  static String checkpointLine(KeyPair key, long seq, String chain, String root) {
    return checkpointLine(key, seq, chain, root, note(key, ORIGIN, seq, root));
  }

  /** A checkpoint line with a Merkle root and the note given. */
  static String checkpointLine(KeyPair key, long seq, String chain, String root, String note) {
    CheckpointPayload p = new CheckpointPayload(LOG, seq, chain, RECORDED_AT, root);
    try {
      return ExportFormat.checkpointLine(p, Ed25519Keys.keyId(key.getPublic()),
          p.sign(key.getPrivate()), note);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** The signed note of the tree of {@code size} with {@code root}, by {@code key}. */
  static String note(KeyPair key, String origin, long size, String root) {
    return new NoteSigner(origin, key.getPrivate())
        .sign(new TlogCheckpoint(origin, size, HexFormat.of().parseHex(root)).body());
  }

  /** The root of the tree of the first {@code size} entries, lowercase hex. */
  static String root(List<EntryFields> log, int size) {
    return HexFormat.of().formatHex(Merkle.root(leaves(log.subList(0, size))));
  }

  /** The left frontier of the first {@code size} entries. */
  static List<byte[]> frontier(List<EntryFields> log, int size) {
    List<byte[]> leaves = leaves(log);
    try {
      return Merkle.leftFrontier(size, (level, index) -> Merkle.subtreeRoot(
          leaves.subList((int) (index << level), (int) ((index + 1) << level))));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static String chainUpTo(List<EntryFields> log, int seq) {
    String chain = EntryHasher.GENESIS_CHAIN_HASH;
    for (EntryFields e : log.subList(0, seq)) {
      chain = EntryHasher.chainHash(chain, EntryHasher.entryHash(e));
    }
    return chain;
  }

  private static List<byte[]> leaves(List<EntryFields> log) {
    List<byte[]> leaves = new ArrayList<>();
    for (EntryFields e : log) {
      leaves.add(Merkle.leafHash(HexFormat.of().parseHex(EntryHasher.entryHash(e))));
    }
    return leaves;
  }
}
