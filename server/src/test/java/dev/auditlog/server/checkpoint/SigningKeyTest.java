package dev.auditlog.server.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.auditlog.integrity.Ed25519Keys;
import dev.auditlog.server.AuditServerExtension;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reading, refusing and generating the checkpoint signing key file. */
class SigningKeyTest {
  @TempDir Path tmp;

  @Test
  void generate_writesAKeyOnlyItsOwnerMayUse_andItsPublicKeyBeside() throws Exception {
    SigningKey key = SigningKey.generate(tmp);

    Path file = tmp.resolve(SigningKey.FILE_NAME);
    assertEquals(file, SigningKey.defaultFile(tmp));
    assertEquals("rw-------", mode(file));
    assertEquals(key.keyId(), SigningKey.read(file).keyId());
    assertArrayEquals(key.publicKey().getEncoded(),
        Ed25519Keys.readPublicKey(tmp.resolve(SigningKey.PUBLIC_FILE_NAME)).getEncoded());
  }

  @Test
  void generate_whenAnotherProcessWroteTheKeyFirst_returnsThatOne() throws Exception {
    SigningKey first = SigningKey.generate(tmp);

    SigningKey second = SigningKey.generate(tmp);

    assertEquals(first.keyId(), second.keyId());
  }

  @Test
  void read_keyReadableByGroup_isRefusedNamingTheFileAndTheChmod() throws Exception {
    Path key = copyOfTheTestKey("rw-r-----");

    IOException e = assertThrows(IOException.class, () -> SigningKey.read(key));

    assertTrue(e.getMessage().contains("signing key " + key), e.getMessage());
    assertTrue(e.getMessage().contains("rw-r-----"), e.getMessage());
    assertTrue(e.getMessage().contains("chmod 600 " + key), e.getMessage());
  }

  @Test
  void read_keyWritableByOthers_isRefused() throws Exception {
    Path key = copyOfTheTestKey("rw-----w-");

    IOException e = assertThrows(IOException.class, () -> SigningKey.read(key));

    assertTrue(e.getMessage().contains("chmod 600 " + key), e.getMessage());
  }

  @Test
  void read_keyOnlyTheOwnerMayUse_isRead() throws Exception {
    Path key = copyOfTheTestKey("r--------");

    assertEquals(
        Ed25519Keys.keyId(Ed25519Keys.readPublicKey(AuditServerExtension.SIGNING_PUBLIC_KEY)),
        SigningKey.read(key).keyId());
  }

  @Test
  void read_missingFile_namesIt() {
    Path key = tmp.resolve("absent.pem");

    IOException e = assertThrows(IOException.class, () -> SigningKey.read(key));

    assertTrue(e.getMessage().contains(key.toString()), e.getMessage());
  }

  private Path copyOfTheTestKey(String mode) throws IOException {
    Path key = Files.copy(AuditServerExtension.SIGNING_KEY, tmp.resolve("key.pem"));
    Files.setPosixFilePermissions(key, PosixFilePermissions.fromString(mode));
    return key;
  }

  private static String mode(Path p) throws IOException {
    return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
  }
}
