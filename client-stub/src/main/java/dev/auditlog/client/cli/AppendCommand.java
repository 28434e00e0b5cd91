package dev.auditlog.client.cli;

import com.google.protobuf.Timestamp;
import com.google.protobuf.util.JsonFormat;
import dev.auditlog.api.v1.AppendRequest;
import dev.auditlog.api.v1.AppendResponse;
import dev.auditlog.api.v1.AuditEvent;
import dev.auditlog.api.v1.Outcome;
import dev.auditlog.client.AuditClient;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code audit append}: one event from flags or from its proto JSON; prints where the log put
 * it as one JSON line, with the event id.
 */
@Command(name = "append", mixinStandardHelpOptions = true, sortOptions = false,
    description = {
        "Append one event, given by flags or as the proto JSON of an AuditEvent (--json).",
        "An event without event_id gets a random UUID. Prints event_id, seq, recorded_at,",
        "entry_hash and chain_hash as one JSON line.",
        "Appends as certs-dev/auth-backend.* unless --cert/--key say otherwise."})
final class AppendCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin Connection connection;
  @Mixin LogOption log;

  @ArgGroup(exclusive = true, multiplicity = "1")
  Source source;

  static final class Source {
    @Option(names = "--json", paramLabel = "JSON|@FILE|-", required = true,
        description = "The event as proto JSON, e.g. '{\"action\": \"user.login\", "
            + "\"outcome\": \"OUTCOME_SUCCESS\"}'; @FILE reads a file, - standard input. "
            + "{\"event\": {...}} (an AppendRequest) is accepted too.")
    String json;

    @ArgGroup(exclusive = false)
    Fields fields;
  }

  static final class Fields {
    @Option(names = "--action", required = true, description = "What happened, e.g. user.register.")
    String action;

    @Option(names = "--outcome", required = true, paramLabel = "OUTCOME",
        description = "success, failure, denied or error.")
    Outcome outcome;

    @Option(names = "--event-id", description = "UUID; random when absent.")
    String eventId;

    @Option(names = {"--user", "--user-id"}, paramLabel = "USER",
        description = "The user the event is about (the event's user_id).")
    String userId;

    @Option(names = {"--on", "--event-target"}, paramLabel = "TARGET",
        description = "What the action was done to (the event's target field).")
    String target;

    @Option(names = "--source-ip", description = "The client's IP address.")
    String sourceIp;

    @Option(names = "--occurred-at", paramLabel = "RFC3339",
        description = "When it happened, by the producer's clock.")
    Timestamp occurredAt;

    @Option(names = "--risk", paramLabel = "KEY=VALUE", description = "A risk signal; repeat.")
    Map<String, String> riskSignals = new LinkedHashMap<>();

    @Option(names = "--attr", paramLabel = "KEY=VALUE", description = "An attribute; repeat.")
    Map<String, String> attributes = new LinkedHashMap<>();

    AuditEvent event() {
      AuditEvent.Builder b = AuditEvent.newBuilder().setAction(action).setOutcome(outcome)
          .putAllRiskSignals(riskSignals).putAllAttributes(attributes);
      if (eventId != null) {
        b.setEventId(eventId);
      }
      if (userId != null) {
        b.setUserId(userId);
      }
      if (target != null) {
        b.setTarget(target);
      }
      if (sourceIp != null) {
        b.setSourceIp(sourceIp);
      }
      if (occurredAt != null) {
        b.setOccurredAt(occurredAt);
      }
      return b.build();
    }
  }

  @Override
  public Integer call() throws Exception {
    AuditEvent event = source.json != null ? parse(read(source.json)) : source.fields.event();
    if (event.getEventId().isEmpty()) {
      event = event.toBuilder().setEventId(UUID.randomUUID().toString()).build();
    }
    AppendResponse appended;
    try (AuditClient client = connection.connect("auth-backend")) {
      appended = client.append(
          AppendRequest.newBuilder().setEvent(event).setLogId(log.id()).build());
    }
    String response = JsonOutput.line(appended);
    spec.commandLine().getOut().println(
        "{\"event_id\":\"" + event.getEventId() + "\"," + response.substring(1));
    spec.commandLine().getOut().flush();
    return ExitCodes.OK;
  }

  private String read(String json) throws IOException {
    if (json.equals("-")) {
      return new String(System.in.readAllBytes(), StandardCharsets.UTF_8);
    }
    if (json.startsWith("@")) {
      return Files.readString(Path.of(json.substring(1)));
    }
    return json;
  }

  /** An AuditEvent, or an AppendRequest wrapping one as grpcurl and buf curl send it. */
  static AuditEvent parse(String json) throws IOException {
    JsonFormat.Parser parser = JsonFormat.parser();
    if (json.strip().matches("(?s)\\{\\s*\"event\"\\s*:.*")) {
      AppendRequest.Builder request = AppendRequest.newBuilder();
      parser.merge(json, request);
      return request.getEvent();
    }
    AuditEvent.Builder event = AuditEvent.newBuilder();
    parser.merge(json, event);
    return event.build();
  }
}
