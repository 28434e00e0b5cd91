package dev.auditlog.server.store;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Collections;
import java.util.EnumSet;
import java.util.Set;

/**
 * Files and directories that only the server's operating-system user may use: secrets
 * (passwords, private keys) are created with mode 0600 in directories with mode 0700, and
 * refused when group or others were given access to them. POSIX file systems only.
 */
public final class PrivateFiles {
  private static final Set<PosixFilePermission> GROUP_OR_OTHERS = EnumSet.of(
      PosixFilePermission.GROUP_READ, PosixFilePermission.GROUP_WRITE,
      PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.OTHERS_READ,
      PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_EXECUTE);

  private PrivateFiles() {}

  /**
   * Creates {@code dir} (and missing parents) with mode 0700 if it does not exist.
   *
   * @throws IOException if it cannot be created
   */
  public static void createDirectory(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      Files.createDirectories(dir,
          PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    }
  }

  /**
   * Writes {@code content} to a new file {@code file} with mode 0600, all at once: the file
   * appears complete or not at all, also if the process dies while writing, and an existing
   * file is never replaced.
   *
   * @throws FileAlreadyExistsException if {@code file} exists (another process was first)
   * @throws IOException if it cannot be written
   */
  public static void writeNew(Path file, String content) throws IOException {
    Path dir = file.toAbsolutePath().getParent();
    Path temp = Files.createTempFile(dir, "." + file.getFileName(), ".tmp",
        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    try {
      try (FileChannel out = FileChannel.open(temp, StandardOpenOption.WRITE)) {
        out.write(StandardCharsets.UTF_8.encode(content));
        out.force(true);
      }
      // A hard link fails if the name exists, where a rename would replace it.
      Files.createLink(file, temp);
    } finally {
      Files.deleteIfExists(temp);
    }
    syncDirectory(dir);
  }

  /**
   * Refuses {@code path} if group or others may read, write or enter it.
   *
   * @param what what the file is, for the message ("signing key")
   * @throws IOException naming the file, its mode and the {@code chmod} that fixes it; or if
   *     it does not exist
   */
  public static void requireOwnerOnly(Path path, String what) throws IOException {
    Set<PosixFilePermission> mode = Files.getPosixFilePermissions(path);
    if (!Collections.disjoint(mode, GROUP_OR_OTHERS)) {
      String fix = Files.isDirectory(path) ? "700" : "600";
      throw new IOException(what + " " + path + " may be used by group or others (mode "
          + PosixFilePermissions.toString(mode) + "): restrict it with chmod " + fix + " "
          + path);
    }
  }

  /** Makes the entries of {@code dir} (new, renamed, removed) durable. */
  static void syncDirectory(Path dir) throws IOException {
    try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
      channel.force(true);
    }
  }
}
