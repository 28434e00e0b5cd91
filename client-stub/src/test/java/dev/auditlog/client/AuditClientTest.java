package dev.auditlog.client;

import dev.auditlog.server.AuditServerExtension;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The client library over an in-process channel to the server on the in-memory store: the
 * fast tier. The channel is the extension's, so {@link AuditClient#over} leaves it open.
 */
class AuditClientTest extends AuditClientContract {
  @RegisterExtension
  final AuditServerExtension server = AuditServerExtension.inProcess();

  @Override
  AuditClient client(String identity) {
    return AuditClient.over(server.channel(identity));
  }
}
