package dev.auditlog.server.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.auditlog.server.TestCerts;
import dev.auditlog.server.TestPki;
import dev.auditlog.server.TestPki.Issued;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class DevPkiTest {
  @TempDir Path dir;

  @Test
  void publicKeyFingerprints_areThoseOfEveryCertificateInCertsDev() throws IOException {
    Map<String, String> inCertsDev = new TreeMap<>();
    try (Stream<Path> files = Files.list(TestCerts.DIR)) {
      for (Path pem : files.filter(f -> f.toString().endsWith(".pem")).sorted().toList()) {
        String name = pem.getFileName().toString().replace(".pem", "");
        inCertsDev.put(DevPki.publicKeySha256(PemFiles.certificates(pem).get(0)), name);
      }
    }

    assertEquals(inCertsDev.keySet(), DevPki.PUBLIC_KEY_SHA256,
        "certs-dev/ changed: set DevPki.PUBLIC_KEY_SHA256 to\n" + inCertsDev.entrySet().stream()
            .map(e -> "      \"" + e.getKey() + "\", // " + e.getValue())
            .collect(Collectors.joining("\n")));
  }

  @Test
  void check_devPkiOnLoopback_isOneWarningNamingWhatIsInUse() throws Exception {
    String warning = DevPki.check(TestCerts.pem("server"), trust(TestCerts.pem("ca")),
        "127.0.0.1", false);

    assertTrue(warning.contains("development PKI"), warning);
    assertTrue(warning.contains("trusted CA 'CN=Audit Dev CA' in --ca " + TestCerts.pem("ca")),
        warning);
    assertTrue(warning.contains("server certificate 'CN=localhost'"), warning);
    assertFalse(warning.contains("\n"), warning);
  }

  @ParameterizedTest(name = "--bind {0}")
  @ValueSource(strings = {"127.0.0.1", "127.0.0.2", "::1", "localhost"})
  void check_devPkiOnLoopbackAddresses_isAllowed(String bind) throws Exception {
    assertTrue(DevPki.check(TestCerts.pem("server"), trust(TestCerts.pem("ca")), bind, false)
        .contains("loopback"));
  }

  @ParameterizedTest(name = "--bind {0}")
  @ValueSource(strings = {"0.0.0.0", "::", "192.0.2.10"})
  void check_devPkiBeyondLoopback_isRefusedNamingAllowDevCertificates(String bind)
      throws Exception {
    IllegalStateException e = assertThrows(IllegalStateException.class,
        () -> DevPki.check(TestCerts.pem("server"), trust(TestCerts.pem("ca")), bind, false));

    assertTrue(e.getMessage().contains("--allow-dev-certificates"), e.getMessage());
    assertTrue(e.getMessage().contains("--bind " + bind), e.getMessage());
  }

  @Test
  void check_devPkiBeyondLoopbackAllowed_isAWarning() throws Exception {
    String warning = DevPki.check(TestCerts.pem("server"), trust(TestCerts.pem("ca")),
        "0.0.0.0", true);

    assertTrue(warning.contains("because of --allow-dev-certificates"), warning);
  }

  @Test
  void check_devCaAmongOwnCas_isRefusedBeyondLoopback() throws Exception {
    Issued own = new TestPki(dir).selfSignedCa("own-ca", "Own CA");
    Path cas = Files.writeString(dir.resolve("cas.pem"),
        Files.readString(own.pem()) + Files.readString(TestCerts.pem("ca")));

    IllegalStateException e = assertThrows(IllegalStateException.class,
        () -> DevPki.check(own.pem(), trust(cas), "0.0.0.0", false));

    assertTrue(e.getMessage().contains("trusted CA 'CN=Audit Dev CA'"), e.getMessage());
    assertFalse(e.getMessage().contains("server certificate '"), e.getMessage());
  }

  @Test
  void check_devServerCertificateWithOwnCa_isRefusedBeyondLoopback() throws Exception {
    Issued own = new TestPki(dir).selfSignedCa("own-ca", "Own CA");

    IllegalStateException e = assertThrows(IllegalStateException.class,
        () -> DevPki.check(TestCerts.pem("server"), trust(own.pem()), "0.0.0.0", false));

    assertTrue(e.getMessage().contains("server certificate 'CN=localhost'"), e.getMessage());
  }

  @Test
  void check_ownPki_isSilentOnAnyAddress() throws Exception {
    Issued own = new TestPki(dir).selfSignedCa("own-ca", "Own CA");

    assertNull(DevPki.check(own.pem(), trust(own.pem()), "0.0.0.0", false));
  }

  @Test
  void isDev_newCertificateFromTheDevCa_isDevByItsIssuer() throws Exception {
    Issued renewed = new TestPki(dir).server("renewed");

    assertTrue(DevPki.isDev(PemFiles.certificates(renewed.pem()).get(0)));
  }

  @Test
  void isDev_regeneratedDevCa_isDevByItsName() throws Exception {
    Issued regenerated = new TestPki(dir).selfSignedCa("ca", "Audit Dev CA");

    assertTrue(DevPki.isDev(PemFiles.certificates(regenerated.pem()).get(0)));
  }

  @Test
  void uses_everyCommittedCertificate_isDev() throws Exception {
    for (String name : List.of("ca", "other-ca", "server", "auditor", "other-ca-auditor")) {
      X509Certificate cert = PemFiles.certificates(TestCerts.pem(name)).get(0);
      assertTrue(DevPki.isDev(cert), name);
    }
  }

  private static ClientTrust trust(Path ca) throws IOException {
    return ClientTrust.load(ca, null, Map.of(), Set.of());
  }
}
