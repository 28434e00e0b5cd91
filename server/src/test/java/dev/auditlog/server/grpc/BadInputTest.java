package dev.auditlog.server.grpc;

import dev.auditlog.server.AuditServerExtension;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The bad-input cases in-process, over the in-memory store: the fast tier. */
class BadInputTest extends BadInputContract {
  @RegisterExtension
  static final AuditServerExtension SERVER = AuditServerExtension.inProcess();

  @Override
  AuditServerExtension server() {
    return SERVER;
  }

  @Override
  long storedEntries() throws Exception {
    return SERVER.store().entries("default", 0, Long.MAX_VALUE, 10).size();
  }
}
