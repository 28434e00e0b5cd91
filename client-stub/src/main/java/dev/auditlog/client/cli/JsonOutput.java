package dev.auditlog.client.cli;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageOrBuilder;
import com.google.protobuf.util.JsonFormat;
import java.io.UncheckedIOException;

/**
 * Messages as one line of proto JSON each, with proto field names; strings, enums and maps are
 * shown even when empty, an unset timestamp ({@code occurred_at}) is left out.
 */
final class JsonOutput {
  private static final JsonFormat.Printer PRINTER = JsonFormat.printer()
      .preservingProtoFieldNames()
      .alwaysPrintFieldsWithNoPresence()
      .omittingInsignificantWhitespace();

  private JsonOutput() {}

  static String line(MessageOrBuilder message) {
    try {
      return PRINTER.print(message);
    } catch (InvalidProtocolBufferException e) {
      // Only Any fields with unknown types fail to print; the audit API has none.
      throw new UncheckedIOException(e);
    }
  }
}
