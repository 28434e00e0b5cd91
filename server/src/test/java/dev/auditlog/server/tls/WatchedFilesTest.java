package dev.auditlog.server.tls;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WatchedFilesTest {
  private static final long SECOND = 1_000_000_000L;

  @TempDir Path dir;
  private final AtomicLong clock = new AtomicLong();

  @Test
  void changedFile_isReportedOnce_afterTheInterval() throws Exception {
    Path file = Files.writeString(dir.resolve("a.pem"), "one");
    WatchedFiles watched = new WatchedFiles(List.of(file), SECOND, clock::get);

    Files.writeString(file, "two, longer");
    assertFalse(watched.changed(), "looked before the interval");
    clock.addAndGet(SECOND);
    assertTrue(watched.changed());
    clock.addAndGet(SECOND);
    assertFalse(watched.changed(), "reported twice");
  }

  @Test
  void sameSizeNewModificationTime_isAChange() throws Exception {
    Path file = Files.writeString(dir.resolve("a.pem"), "one");
    WatchedFiles watched = new WatchedFiles(List.of(file), SECOND, clock::get);

    Files.setLastModifiedTime(file, FileTime.fromMillis(
        Files.getLastModifiedTime(file).toMillis() + 5000));
    clock.addAndGet(SECOND);

    assertTrue(watched.changed());
  }

  @Test
  void missingFileAndNullPath_areWatchedWithoutFailing() throws Exception {
    Path file = dir.resolve("later.pem");
    WatchedFiles watched = new WatchedFiles(Arrays.asList(file, null), SECOND, clock::get);

    clock.addAndGet(SECOND);
    assertFalse(watched.changed());
    Files.writeString(file, "now");
    clock.addAndGet(SECOND);
    assertTrue(watched.changed());
  }
}
