package dev.auditlog.server.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.security.cert.CertificateExpiredException;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.Test;

/**
 * The {@code reason} label of refused handshakes: one of a fixed set, from the words the log
 * line starts with, whatever details follow.
 */
class HandshakeCategoryTest {
  @Test
  void boringSslErrors_mapToTheirCategory() {
    assertEquals("no_client_certificate", category(
        "error:10000418:SSL routines:OPENSSL_internal:PEER_DID_NOT_RETURN_A_CERTIFICATE"));
    assertEquals("tls_version", category("error:1000042e:SSL routines:"
        + "OPENSSL_internal:TLSV1_ALERT_PROTOCOL_VERSION UNSUPPORTED_PROTOCOL"));
    assertEquals("plain_http", category("error:100000a6:SSL routines:HTTP_REQUEST"));
  }

  @Test
  void trustManagerRefusals_mapToTheirCategory_whateverTheDetails() {
    String expired = ReloadingTrustManager.reason(new CertificateExpiredException(
        "NotAfter: Tue Dec 01 09:15:00 UTC 2026")) + " (subject CN=x, issuer CN=y, serial 1f)";

    assertEquals("certificate_expired", HandshakeLog.category(expired));
    assertEquals("certificate_revoked", HandshakeLog.category(
        "certificate revoked (Certificate has been revoked, reason: KEY_COMPROMISE)"));
    assertEquals("untrusted_ca", HandshakeLog.category(
        "not issued by a trusted CA (unable to find valid certification path)"));
    assertEquals("not_a_client_certificate", HandshakeLog.category(
        "not a client certificate (Extended key usage does not permit use for TLS client"
            + " authentication)"));
  }

  @Test
  void anythingElse_isOther() {
    assertEquals("other", HandshakeLog.category("error:1000009c:SSL routines:BAD_PACKET"));
    assertEquals("other", HandshakeLog.category(""));
  }

  private static String category(String boringSslMessage) {
    return HandshakeLog.category(
        HandshakeLog.reason(new SSLHandshakeException(boringSslMessage)));
  }
}
