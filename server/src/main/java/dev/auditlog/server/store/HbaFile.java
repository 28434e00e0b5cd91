package dev.auditlog.server.store;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * The embedded cluster's {@code pg_hba.conf}, which the server owns: every connection must
 * authenticate with its role's password (SCRAM-SHA-256), and only TCP from 127.0.0.1 is
 * accepted. Written before every start of the cluster, so that edits do not last.
 */
final class HbaFile {
  static final String FILE_NAME = "pg_hba.conf";
  static final String CONTENT = """
      # Written by the audit server before every start of its embedded PostgreSQL; edits
      # are replaced. Every role logs in with its password (SCRAM-SHA-256), over TCP from
      # 127.0.0.1 only; the server turns the Unix-domain socket off.
      local all all                scram-sha-256
      host  all all 127.0.0.1/32   scram-sha-256
      """;

  private HbaFile() {}

  /** Whether {@code cluster}'s pg_hba.conf is the server's, unchanged. */
  static boolean isCurrent(Path cluster) throws IOException {
    try {
      return Files.readString(cluster.resolve(FILE_NAME), StandardCharsets.UTF_8)
          .equals(CONTENT);
    } catch (NoSuchFileException e) {
      return false;
    }
  }

  /** Replaces {@code cluster}'s pg_hba.conf with the server's, atomically. */
  static void write(Path cluster) throws IOException {
    Path temp = cluster.resolve(FILE_NAME + ".new");
    Files.deleteIfExists(temp);
    Files.createFile(temp,
        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    Files.writeString(temp, CONTENT, StandardCharsets.UTF_8);
    Files.move(temp, cluster.resolve(FILE_NAME), StandardCopyOption.ATOMIC_MOVE,
        StandardCopyOption.REPLACE_EXISTING);
  }
}
