package dev.auditlog.server.tls;

import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;

/**
 * The log a request is about: its {@code log_id} field, which the requests of {@code
 * audit.v1.AuditLog} that work on one log carry, empty for the default log; requests without
 * one (ListForwarders) are about the default log.
 */
final class RequestedLog {
  private static final String FIELD = "log_id";

  private RequestedLog() {}

  /** The {@code log_id} of {@code request}; {@code defaultLog} when it is empty or absent. */
  static String of(Object request, String defaultLog) {
    if (!(request instanceof Message message)) {
      return defaultLog;
    }
    FieldDescriptor field = message.getDescriptorForType().findFieldByName(FIELD);
    if (field == null || field.getJavaType() != FieldDescriptor.JavaType.STRING
        || field.isRepeated()) {
      return defaultLog;
    }
    String log = (String) message.getField(field);
    return log.isEmpty() ? defaultLog : log;
  }
}
