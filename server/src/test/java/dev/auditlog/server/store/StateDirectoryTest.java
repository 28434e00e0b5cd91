package dev.auditlog.server.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The state directory's layout, and moving a cluster of the old layout into it. */
class StateDirectoryTest {
  @TempDir Path tmp;

  @Test
  void newDirectory_isCreatedForTheOwnerOnly_withNothingMoved() throws IOException {
    StateDirectory state = StateDirectory.open(tmp.resolve("data"));

    assertEquals("rwx------",
        PosixFilePermissions.toString(Files.getPosixFilePermissions(state.root())));
    assertFalse(state.movedOldCluster());
    assertEquals(tmp.resolve("data/postgres"), state.cluster());
    assertEquals(tmp.resolve("data/secrets"), state.secrets());
  }

  @Test
  void oldLayout_movesEverythingButThePemFilesIntoPostgres() throws IOException {
    Path dir = oldLayout(tmp.resolve("data"));

    StateDirectory state = StateDirectory.open(dir);

    assertTrue(state.movedOldCluster());
    assertEquals(Set.of("postgres", "checkpoint-signing-key.pem",
        "checkpoint-signing-key.pub.pem"), names(dir));
    assertEquals(Set.of("PG_VERSION", "base", "global", "pg_hba.conf", "postgresql.conf",
        "postmaster.opts"), names(dir.resolve("postgres")));
    assertEquals("18\n", Files.readString(dir.resolve("postgres/PG_VERSION")));
  }

  @Test
  void oldLayout_withAStalePidFile_isMovedWithIt() throws IOException {
    Path dir = oldLayout(tmp.resolve("data"));
    Files.writeString(dir.resolve("postmaster.pid"), "999999999\n" + dir + "\n");

    StateDirectory.open(dir);

    assertTrue(Files.exists(dir.resolve("postgres/postmaster.pid")));
  }

  @Test
  void oldLayout_whoseProcessStillRuns_isRefusedAndNotMoved() throws IOException {
    Path dir = oldLayout(tmp.resolve("data"));
    Files.writeString(dir.resolve("postmaster.pid"), ProcessHandle.current().pid() + "\n");

    IOException e = assertThrows(IOException.class, () -> StateDirectory.open(dir));

    assertTrue(e.getMessage().contains("(pid " + ProcessHandle.current().pid()
        + ") still runs on " + dir), e.getMessage());
    assertTrue(Files.exists(dir.resolve("PG_VERSION")));
    assertFalse(Files.exists(dir.resolve("postgres.migrating")));
  }

  @Test
  void oldClusterBesideANewOne_isRefused() throws IOException {
    Path dir = oldLayout(tmp.resolve("data"));
    Files.createDirectory(dir.resolve("postgres"));

    IOException e = assertThrows(IOException.class, () -> StateDirectory.open(dir));

    assertTrue(e.getMessage().contains("move one of them elsewhere"), e.getMessage());
  }

  @Test
  void moveThatDiedAfterTheLastEntry_isFinishedByRenaming() throws IOException {
    Path dir = Files.createDirectory(tmp.resolve("data"));
    Path staging = Files.createDirectory(dir.resolve("postgres.migrating"));
    Files.writeString(staging.resolve("PG_VERSION"), "18\n");

    StateDirectory state = StateDirectory.open(dir);

    assertTrue(state.movedOldCluster());
    assertEquals(Set.of("postgres"), names(dir));
    assertTrue(Files.exists(dir.resolve("postgres/PG_VERSION")));
  }

  private static Path oldLayout(Path dir) throws IOException {
    Files.createDirectories(dir.resolve("base/1"));
    Files.createDirectories(dir.resolve("global"));
    for (String file : List.of("pg_hba.conf", "postgresql.conf", "postmaster.opts",
        "checkpoint-signing-key.pem", "checkpoint-signing-key.pub.pem")) {
      Files.writeString(dir.resolve(file), file);
    }
    Files.writeString(dir.resolve("PG_VERSION"), "18\n");
    return dir;
  }

  private static Set<String> names(Path dir) throws IOException {
    try (Stream<Path> entries = Files.list(dir)) {
      return entries.map(p -> p.getFileName().toString()).collect(Collectors.toSet());
    }
  }
}
