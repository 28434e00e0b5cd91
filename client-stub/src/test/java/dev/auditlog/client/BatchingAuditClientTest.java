package dev.auditlog.client;

import dev.auditlog.server.AuditServerExtension;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The client contract with batching on, in-process: what holds without it holds with it. */
class BatchingAuditClientTest extends AuditClientContract {
  @RegisterExtension
  final AuditServerExtension server = AuditServerExtension.inProcess();

  @Override
  AuditClient client(String identity) throws Exception {
    return AuditClient.builder().channel(server.channel(identity))
        .batching(java.time.Duration.ofMillis(1), 1000).build();
  }
}
