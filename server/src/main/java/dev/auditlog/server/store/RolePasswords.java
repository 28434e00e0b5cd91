package dev.auditlog.server.store;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HashSet;
import java.util.Set;

/**
 * The passwords of the embedded PostgreSQL's roles, one file per role ({@code
 * <role>.password}, mode 0600) in a directory of their own (mode 0700), generated when
 * missing: 256 random bits each. Never part of a message. Not thread-safe.
 */
final class RolePasswords {
  private static final SecureRandom RANDOM = new SecureRandom();

  private final Path dir;
  private final Set<String> generated = new HashSet<>();

  private RolePasswords(Path dir) {
    this.dir = dir;
  }

  /**
   * The passwords in {@code dir}, created with mode 0700 if missing.
   *
   * @throws IOException if it cannot be created, or group or others may use it
   */
  static RolePasswords in(Path dir) throws IOException {
    PrivateFiles.createDirectory(dir);
    PrivateFiles.requireOwnerOnly(dir, "password directory");
    return new RolePasswords(dir);
  }

  /** The file that holds {@code role}'s password. */
  Path file(String role) {
    return dir.resolve(role + ".password");
  }

  /**
   * The password of {@code role}, generated now if it has no file.
   *
   * @throws IOException if the file cannot be read or written, or group or others may use it
   */
  String of(String role) throws IOException {
    Path file = file(role);
    if (!Files.exists(file)) {
      try {
        PrivateFiles.writeNew(file, generate());
        generated.add(role);
      } catch (FileAlreadyExistsException e) {
        // Another process generated it first; use that one.
      }
    }
    PrivateFiles.requireOwnerOnly(file, "password file");
    String password = Files.readString(file, StandardCharsets.UTF_8).strip();
    if (password.isEmpty()) {
      throw new IOException("password file " + file + " is empty: remove it, and a new"
          + " password is set at the next start");
    }
    return password;
  }

  /** Whether {@link #of} generated {@code role}'s password in this process. */
  boolean generatedNow(String role) {
    return generated.contains(role);
  }

  private static String generate() {
    byte[] bytes = new byte[32];
    RANDOM.nextBytes(bytes);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }
}
