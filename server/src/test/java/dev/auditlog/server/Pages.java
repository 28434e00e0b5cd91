package dev.auditlog.server;

import dev.auditlog.api.v1.AuditLogGrpc;
import dev.auditlog.api.v1.AuditLogGrpc.AuditLogBlockingStub;
import dev.auditlog.api.v1.Entry;
import dev.auditlog.api.v1.ListRequest;
import dev.auditlog.api.v1.ListResponse;
import io.grpc.Channel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** The whole default log through List, page by page, each page with a deadline of 30 s. */
public final class Pages {
  private Pages() {}

  /** Every entry, in pages of {@code pageSize} (0 for the server's default). */
  public static List<Entry> all(AuditLogBlockingStub auditor, int pageSize) {
    List<Entry> all = new ArrayList<>();
    String token = "";
    do {
      ListResponse page = auditor.withDeadlineAfter(30, TimeUnit.SECONDS)
          .list(ListRequest.newBuilder().setPageSize(pageSize).setPageToken(token).build());
      all.addAll(page.getEntriesList());
      token = page.getNextPageToken();
    } while (!token.isEmpty());
    return all;
  }

  /** Like {@link #all(AuditLogBlockingStub, int)}, over {@code channel}. */
  public static List<Entry> all(Channel channel, int pageSize) {
    return all(AuditLogGrpc.newBlockingStub(channel), pageSize);
  }
}
