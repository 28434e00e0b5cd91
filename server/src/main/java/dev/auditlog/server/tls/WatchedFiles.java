package dev.auditlog.server.tls;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.LongSupplier;

/**
 * Tells whether files changed on disk (modification time or size) since they were last
 * taken, looking at most once per interval so that a handshake rarely pays for a stat.
 * Thread-safe.
 */
final class WatchedFiles {
  private final List<Path> files;
  private final long intervalNanos;
  private final LongSupplier nanoClock;
  private List<String> taken;
  private long nextLookNanos;

  WatchedFiles(List<Path> files, long intervalNanos, LongSupplier nanoClock) {
    this.files = files.stream().filter(Objects::nonNull).toList();
    this.intervalNanos = intervalNanos;
    this.nanoClock = nanoClock;
    this.taken = stamps();
    this.nextLookNanos = nanoClock.getAsLong() + intervalNanos;
  }

  /** True once for each change seen; then the new state counts as taken. */
  synchronized boolean changed() {
    long now = nanoClock.getAsLong();
    if (now - nextLookNanos < 0) {
      return false;
    }
    nextLookNanos = now + intervalNanos;
    List<String> current = stamps();
    if (current.equals(taken)) {
      return false;
    }
    taken = current;
    return true;
  }

  private List<String> stamps() {
    List<String> stamps = new ArrayList<>(files.size());
    for (Path f : files) {
      try {
        stamps.add(Files.getLastModifiedTime(f).toMillis() + "/" + Files.size(f));
      } catch (IOException e) {
        stamps.add("missing");
      }
    }
    return stamps;
  }
}
