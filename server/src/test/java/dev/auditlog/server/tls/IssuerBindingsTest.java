package dev.auditlog.server.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.auditlog.server.TestCerts;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IssuerBindingsTest {
  private static final Set<String> POLICY = Set.of("auth-backend", "auditor");

  @TempDir Path dir;

  @Test
  void of_oneCaWithoutBindings_letsItIssueEveryIdentity() throws Exception {
    IssuerBindings bindings =
        IssuerBindings.of(TestCerts.pem("ca"), List.of(cert("ca")), Map.of(), POLICY);

    assertEquals(List.of(cert("ca")), bindings.cas("auditor"));
    assertEquals(List.of(cert("ca")), bindings.cas("anyone"));
  }

  @Test
  void of_twoCasWithoutABindingForAuditor_isRefusedNamingAuditorAndWhatToAdd() throws Exception {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> IssuerBindings.of(dir.resolve("both.pem"), List.of(cert("ca"), cert("other-ca")),
            Map.of("auth-backend", List.of(TestCerts.pem("ca"))), POLICY));

    assertTrue(e.getMessage().contains("holds 2 CA certificates"), e.getMessage());
    assertTrue(e.getMessage().contains("add --identity-issuer auditor=CA_PEM_FILE"),
        e.getMessage());
    assertTrue(!e.getMessage().contains("auth-backend="), e.getMessage());
  }

  @Test
  void of_twoCasWithBindings_letsEachIdentityBeIssuedOnlyByItsCa() throws Exception {
    IssuerBindings bindings = IssuerBindings.of(dir.resolve("both.pem"),
        List.of(cert("ca"), cert("other-ca")),
        Map.of("auth-backend", List.of(TestCerts.pem("other-ca")),
            "auditor", List.of(TestCerts.pem("ca"))), POLICY);

    assertEquals(List.of(cert("ca")), bindings.cas("auditor"));
    assertEquals(List.of(cert("other-ca")), bindings.cas("auth-backend"));
    assertEquals(List.of(), bindings.cas("intruder"));
  }

  @Test
  void of_theSameCaListedTwiceInCa_isOneCa() throws Exception {
    IssuerBindings bindings = IssuerBindings.of(TestCerts.pem("ca"),
        List.of(cert("ca"), cert("ca")), Map.of(), POLICY);

    assertEquals(List.of(cert("ca")), bindings.cas("auditor"));
  }

  @Test
  void of_bindingToACaThatCaDoesNotTrust_isRefusedNamingTheBindingAndTheCa() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> IssuerBindings.of(TestCerts.pem("ca"), List.of(cert("ca")),
            Map.of("auditor", List.of(TestCerts.pem("other-ca"))), POLICY));

    assertTrue(e.getMessage().startsWith("--identity-issuer auditor=" + TestCerts.pem("other-ca")
        + ": CA 'CN=Audit Other CA' is not trusted by --ca"), e.getMessage());
  }

  @Test
  void of_bindingFileWithoutCertificate_isRefusedNamingTheBinding() throws Exception {
    Path empty = Files.writeString(dir.resolve("empty.pem"), "nothing here\n");

    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> IssuerBindings.of(TestCerts.pem("ca"), List.of(cert("ca")),
            Map.of("auditor", List.of(empty)), POLICY));

    assertTrue(e.getMessage().startsWith("--identity-issuer auditor=" + empty), e.getMessage());
  }

  @Test
  void issuer_chainOfTheDevCa_isTheDevCa() throws Exception {
    assertEquals(cert("ca"), IssuerBindings.issuer(List.of(cert("auditor")),
        List.of(cert("ca"), cert("other-ca")), List.of(), false));
  }

  @Test
  void issuer_chainOfTheOtherCa_isNoneOfTheDevCa() throws Exception {
    assertNull(IssuerBindings.issuer(List.of(cert("other-ca-auditor")), List.of(cert("ca")),
        List.of(), false));
  }

  @Test
  void issuer_otherCaLeafFollowedByADevCaCertificate_isNoneOfTheDevCa() throws Exception {
    // The top of the presented chain is issued by the dev CA, but it does not issue the leaf.
    List<X509Certificate> chain = List.of(cert("other-ca-auditor"), cert("intruder"));

    assertNull(IssuerBindings.issuer(chain, List.of(cert("ca")), List.of(), false));
    assertEquals(cert("other-ca"),
        IssuerBindings.issuer(chain, List.of(cert("ca"), cert("other-ca")), List.of(), false));
  }

  @Test
  void issuer_chainEndingInTheCaItself_isThatCa() throws Exception {
    assertEquals(cert("ca"), IssuerBindings.issuer(List.of(cert("auditor"), cert("ca")),
        List.of(cert("ca")), List.of(), false));
  }

  @Test
  void issuer_expiredLeaf_isNone() throws Exception {
    assertNull(IssuerBindings.issuer(List.of(cert("expired")), List.of(cert("ca")), List.of(),
        false));
  }

  private static X509Certificate cert(String name) throws Exception {
    return PemFiles.certificates(TestCerts.pem(name)).get(0);
  }
}
