package dev.auditlog.client.cli;

import com.google.protobuf.Timestamp;
import dev.auditlog.api.v1.Entry;
import dev.auditlog.api.v1.ListRequest;
import dev.auditlog.api.v1.ListResponse;
import dev.auditlog.api.v1.Outcome;
import dev.auditlog.client.AuditClient;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code audit list}: entries as JSON lines, one page or all of them. */
@Command(name = "list", mixinStandardHelpOptions = true, sortOptions = false,
    description = {
        "Print stored entries as JSON lines (proto field names), in seq order; the filters",
        "given must all hold.",
        "Without --all, one page; the token for the next one goes to standard error.",
        "Reads as certs-dev/auditor.* unless --cert/--key say otherwise."})
final class ListCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin Connection connection;
  @Mixin LogOption log;

  @Option(names = "--since", paramLabel = "RFC3339",
      description = "Entries recorded at or after, e.g. 2026-11-23T00:00:00Z.")
  Timestamp since;

  @Option(names = "--until", paramLabel = "RFC3339", description = "Entries recorded before.")
  Timestamp until;

  @Option(names = "--action", description = "Only this action, e.g. user.register.")
  String action;

  @Option(names = "--action-prefix", paramLabel = "PREFIX",
      description = "Only actions that start with this, e.g. user. for user.login and"
          + " user.register.")
  String actionPrefix;

  @Option(names = {"--user-id", "--user"}, paramLabel = "USER",
      description = "Only entries of this user.")
  String userId;

  // --target is the server's address (Connection), as for every command: the entry's
  // target is --on here as in `audit append`.
  @Option(names = "--on", paramLabel = "TARGET",
      description = "Only entries whose target is this, e.g. tenant/acme.")
  String target;

  @Option(names = "--outcome", paramLabel = "OUTCOME",
      description = "Only entries with this outcome: success, failure, denied or error.")
  Outcome outcome;

  @Option(names = "--producer", paramLabel = "IDENTITY",
      description = "Only entries appended by this identity, e.g. auth-backend.")
  String producer;

  @Option(names = "--source-ip", paramLabel = "IP[/BITS]",
      description = "Only entries from this address or network, e.g. 203.0.113.7,"
          + " 10.0.0.0/8, 2001:db8::/32.")
  String sourceIp;

  @Option(names = "--page-size", defaultValue = "100",
      description = "Entries per call, 1..1000 (default ${DEFAULT-VALUE}).")
  int pageSize;

  @Option(names = "--page-token", description = "Continue where a previous list stopped.")
  String pageToken;

  @Option(names = "--all", description = "Follow next_page_token to the last entry.")
  boolean all;

  @Override
  public Integer call() throws Exception {
    ListRequest request = request();
    PrintWriter out = spec.commandLine().getOut();
    try (AuditClient client = connection.connect("auditor")) {
      if (all) {
        client.listAll(request).forEach(e -> out.println(JsonOutput.line(e)));
      } else {
        ListResponse page = client.list(request);
        page.getEntriesList().forEach(e -> out.println(JsonOutput.line(e)));
        if (!page.getNextPageToken().isEmpty()) {
          spec.commandLine().getErr().println(
              "audit: more entries: --page-token " + page.getNextPageToken());
        }
      }
    }
    out.flush();
    return ExitCodes.OK;
  }

  private ListRequest request() {
    if (pageSize < 1 || pageSize > 1000) {
      throw new IllegalArgumentException("--page-size must be 1..1000, got " + pageSize);
    }
    ListRequest.Builder b = ListRequest.newBuilder().setPageSize(pageSize).setLogId(log.id());
    if (since != null) {
      b.setSince(since);
    }
    if (until != null) {
      b.setUntil(until);
    }
    if (action != null) {
      b.setAction(action);
    }
    if (actionPrefix != null) {
      b.setActionPrefix(actionPrefix);
    }
    if (userId != null) {
      b.setUserId(userId);
    }
    if (target != null) {
      b.setTarget(target);
    }
    if (outcome != null) {
      b.setOutcome(outcome);
    }
    if (producer != null) {
      b.setProducer(producer);
    }
    if (sourceIp != null) {
      b.setSourceIp(sourceIp);
    }
    if (pageToken != null) {
      b.setPageToken(pageToken);
    }
    return b.build();
  }
}
