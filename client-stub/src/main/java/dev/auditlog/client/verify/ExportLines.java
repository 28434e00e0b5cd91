package dev.auditlog.client.verify;

import dev.auditlog.client.verify.ExportLine.EntryLine;
import java.io.BufferedReader;
import java.io.IOException;

/** The lines of an export, parsed one at a time, with one line of lookahead. */
final class ExportLines {
  private final BufferedReader in;
  private ExportLine peeked;
  private long number;
  private int version = ExportLineParser.ANY_VERSION;

  ExportLines(BufferedReader in) {
    this.in = in;
  }

  /** From now on, parses lines as those of a file of {@code version} (its header's). */
  void version(int version) {
    this.version = version;
  }

  /** The next line, or null at the end of the file. */
  ExportLine next() throws IOException, MalformedLineException {
    if (peeked != null) {
      ExportLine line = peeked;
      peeked = null;
      return line;
    }
    return read();
  }

  /** The next line without consuming it; null at the end or if it is malformed. */
  ExportLine peek() throws IOException {
    if (peeked == null) {
      try {
        peeked = read();
      } catch (MalformedLineException e) {
        return null;
      }
    }
    return peeked;
  }

  /** Reads on to the end and tells whether an entry with {@code seq} comes later. */
  boolean findLaterEntry(long seq) throws IOException {
    while (true) {
      ExportLine line;
      try {
        line = next();
      } catch (MalformedLineException e) {
        continue;
      }
      if (line == null) {
        return false;
      }
      if (line instanceof EntryLine e && e.seq() == seq) {
        return true;
      }
    }
  }

  /** The number of the line read last, from 1. */
  long number() {
    return number;
  }

  private ExportLine read() throws IOException, MalformedLineException {
    String line = in.readLine();
    if (line == null) {
      return null;
    }
    number++;
    return ExportLineParser.parse(line, version);
  }
}
