package dev.auditlog.server.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.auditlog.server.TestCerts;
import dev.auditlog.server.TestPki;
import dev.auditlog.server.tls.CertificateIdentity.Claim;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The identity rules on certificates from certs-dev/ and made by openssl for the test. */
class CertificateIdentityTest {
  private static final String CLIENT = "extendedKeyUsage=clientAuth";

  @TempDir static Path dir;
  private static TestPki pki;

  private final CertificateIdentity bySan = new CertificateIdentity(false);
  private final CertificateIdentity orCn = new CertificateIdentity(true);

  @BeforeAll
  static void pki() throws Exception {
    pki = new TestPki(dir);
  }

  @Test
  void read_dnsNameOnly_isTheDnsName() throws Exception {
    assertIdentity("auditor", bySan.read(dev("auditor")));
  }

  @Test
  void read_uriAndDnsNames_isTheUriName() throws Exception {
    X509Certificate cert = make("/CN=intruder", CLIENT,
        "subjectAltName=DNS:intruder,URI:spiffe://audit.test/auditor");

    assertIdentity("spiffe://audit.test/auditor", bySan.read(cert));
  }

  @Test
  void read_oneUriNameAndTwoDnsNames_isTheUriName() throws Exception {
    X509Certificate cert = make("/CN=a", CLIENT,
        "subjectAltName=DNS:a.example,DNS:b.example,URI:spiffe://audit.test/auth-backend");

    assertIdentity("spiffe://audit.test/auth-backend", bySan.read(cert));
  }

  @Test
  void read_twoUriNames_isAmbiguous() throws Exception {
    X509Certificate cert = make("/CN=a", CLIENT,
        "subjectAltName=URI:spiffe://audit.test/auditor,URI:spiffe://audit.test/intruder");

    assertNobody("ambiguous identity: 2 URI subject alternative names", bySan.read(cert));
  }

  @Test
  void read_twoDnsNames_isAmbiguous_evenWhenOneIsAuthorized() throws Exception {
    X509Certificate cert = make("/CN=auditor", CLIENT, "subjectAltName=DNS:auditor,DNS:intruder");

    assertNobody("ambiguous identity: 2 DNS subject alternative names [auditor, intruder]",
        orCn.read(cert));
  }

  @Test
  void read_theSameDnsNameTwice_isThatName() throws Exception {
    X509Certificate cert = make("/CN=x", CLIENT, "subjectAltName=DNS:auditor,DNS:auditor");

    assertIdentity("auditor", bySan.read(cert));
  }

  @Test
  void read_commonNameOnly_namesNobody_unlessCommonNamesAreEnabled() throws Exception {
    X509Certificate cert = dev("cn-only-auditor");

    assertNobody("no URI or DNS subject alternative name", bySan.read(cert));
    assertTrue(bySan.read(cert).refusal().contains("--identity-from-cn"));
    assertIdentity("auditor", orCn.read(cert));
  }

  @Test
  void read_dnsNameAndOtherCommonName_isTheDnsName_evenWithCommonNamesEnabled()
      throws Exception {
    X509Certificate cert = make("/CN=auditor", CLIENT, "subjectAltName=DNS:intruder");

    assertIdentity("intruder", orCn.read(cert));
  }

  @Test
  void read_twoCommonNames_isAmbiguous() throws Exception {
    X509Certificate cert = make("/CN=auditor/O=x/CN=intruder", CLIENT);

    assertNobody("ambiguous identity: 2 common names in the subject", orCn.read(cert));
  }

  @Test
  void read_noNameAtAll_namesNobody() throws Exception {
    X509Certificate cert = make("/O=nobody", CLIENT);

    assertNobody("no URI or DNS subject alternative name and no common name", orCn.read(cert));
  }

  @Test
  void read_serverAuthOnlyCertificateNamedAuditor_isNotAClientCertificate() throws Exception {
    Claim claim = orCn.read(dev("host-auditor"));

    assertFalse(claim.clientCertificate());
    assertNull(claim.identity());
    assertTrue(claim.refusal().contains("not a client certificate"), claim.refusal());
  }

  @Test
  void read_serverCertificate_isNotAClientCertificate() throws Exception {
    assertFalse(orCn.read(dev("server")).clientCertificate());
  }

  @Test
  void read_withoutExtendedKeyUsage_isAClientCertificate() throws Exception {
    X509Certificate cert = make("/CN=x", "subjectAltName=DNS:auditor");

    assertIdentity("auditor", bySan.read(cert));
  }

  @Test
  void read_anyExtendedKeyUsage_isAClientCertificate() throws Exception {
    X509Certificate cert = make("/CN=x", "extendedKeyUsage=anyExtendedKeyUsage",
        "subjectAltName=DNS:auditor");

    assertIdentity("auditor", bySan.read(cert));
  }

  @Test
  void read_serverAndClientAuth_isAClientCertificate() throws Exception {
    X509Certificate cert = make("/CN=x", "extendedKeyUsage=serverAuth,clientAuth",
        "subjectAltName=DNS:auditor");

    assertIdentity("auditor", bySan.read(cert));
  }

  private static void assertIdentity(String identity, Claim claim) {
    assertEquals(identity, claim.identity(), String.valueOf(claim.refusal()));
    assertNull(claim.refusal());
    assertTrue(claim.clientCertificate());
  }

  private static void assertNobody(String refusal, Claim claim) {
    assertNull(claim.identity(), claim.identity());
    assertTrue(claim.clientCertificate());
    assertTrue(claim.refusal().startsWith(refusal), claim.refusal());
  }

  private static X509Certificate dev(String name) throws Exception {
    return PemFiles.certificates(TestCerts.pem(name)).get(0);
  }

  private static int made;

  private static X509Certificate make(String subject, String... extensions) throws Exception {
    return PemFiles.certificates(pki.custom("c" + (++made), subject, extensions).pem()).get(0);
  }
}
