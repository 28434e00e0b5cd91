package dev.auditlog.server.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.auditlog.api.v1.AppendBatchRequest;
import dev.auditlog.api.v1.AppendResponse;
import dev.auditlog.api.v1.AuditLogGrpc.AuditLogBlockingStub;
import dev.auditlog.api.v1.AuditLogGrpc;
import dev.auditlog.api.v1.Checkpoint;
import dev.auditlog.api.v1.Entry;
import dev.auditlog.api.v1.ExportHeader;
import dev.auditlog.api.v1.ExportRequest;
import dev.auditlog.api.v1.ExportResponse;
import dev.auditlog.api.v1.GetCheckpointRequest;
import dev.auditlog.api.v1.ListRequest;
import dev.auditlog.integrity.EntryHasher;
import dev.auditlog.server.AuditServerExtension;
import dev.auditlog.server.Events;
import dev.auditlog.server.ServerConfig.TransportLimits;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The Export stream over real mutual TLS and a real PostgreSQL. */
class ExportIT {
  @RegisterExtension
  final AuditServerExtension server = AuditServerExtension.mutualTls();
  private AuditLogBlockingStub backend;
  private AuditLogBlockingStub auditor;

  @BeforeEach
  void stubs() {
    backend = server.stub("auth-backend");
    auditor = server.stub("auditor");
  }

  @Test
  void wholeLog_isHeaderThenEveryEntryInOrderThenACheckpointOfTheLast() {
    append(1000);
    AppendResponse last = append(234).get(233);

    Export export = export(ExportRequest.getDefaultInstance());

    assertEquals(ExportHeader.newBuilder().setLogId("default").setFromSeq(1).setToSeq(1234)
        .setPrevChainHash(EntryHasher.GENESIS_CHAIN_HASH).build(), export.header);
    assertEquals(1234, export.entries.size());
    Events.assertChain(export.entries);
    assertEquals(1234, export.checkpoint.getSeq());
    assertEquals(last.getChainHash(), export.checkpoint.getChainHash());
    assertTrue(export.messages > 3, "entries come in several messages: " + export.messages);
  }

  @Test
  void exportedEntries_areTheListedOnes() {
    append(5);

    Export export = export(ExportRequest.getDefaultInstance());

    assertEquals(auditor.list(ListRequest.getDefaultInstance()).getEntriesList(), export.entries);
  }

  @Test
  void range_startsAtThePredecessorChainHash_andEndsAtTheEarliestCoveringCheckpoint() {
    List<AppendResponse> first = append(10);
    Checkpoint atTen = freshCheckpoint();
    append(5);

    Export export = export(ExportRequest.newBuilder().setFromSeq(4).setToSeq(6).build());

    assertEquals(4, export.header.getFromSeq());
    assertEquals(10, export.header.getToSeq());
    assertEquals(first.get(2).getChainHash(), export.header.getPrevChainHash());
    assertEquals(List.of(4L, 5L, 6L, 7L, 8L, 9L, 10L),
        export.entries.stream().map(Entry::getSeq).toList());
    assertEquals(atTen, export.checkpoint);
  }

  @Test
  void timeWindow_beforeEveryEntry_exportsNothingBeforeTheFirstCheckpoint() {
    Checkpoint empty = freshCheckpoint();
    append(3);

    Export export = export(ExportRequest.newBuilder().setUntil(empty.getRecordedAt()).build());

    assertEquals(0, export.entries.size());
    assertEquals(empty, export.checkpoint);
  }

  @Test
  void fromSeqAfterTheHead_isOutOfRange() {
    append(2);

    StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
        () -> export(ExportRequest.newBuilder().setFromSeq(4).build()));

    assertEquals(Status.Code.OUT_OF_RANGE, e.getStatus().getCode());
  }

  @Test
  void toSeqBelowFromSeq_isInvalidArgumentNamingToSeq() {
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
        () -> export(ExportRequest.newBuilder().setFromSeq(4).setToSeq(2).build()));

    assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
    assertTrue(e.getStatus().getDescription().startsWith("to_seq"));
  }

  @Test
  void export_byAnAppenderOnlyIdentity_isPermissionDenied() {
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
        () -> AuditLogGrpc.newBlockingStub(server.channel("auth-backend"))
            .export(ExportRequest.getDefaultInstance()).hasNext());

    assertEquals(Status.Code.PERMISSION_DENIED, e.getStatus().getCode());
  }

  private Checkpoint freshCheckpoint() {
    return auditor.getCheckpoint(GetCheckpointRequest.newBuilder().setFresh(true).build())
        .getCheckpoint();
  }

  @Test
  void exportsWhoseClientsStopReading_endAfterTheStallTimeout_andOthersRunAfterwards()
      throws Exception {
    server.stop();
    server.start(
        b -> b.transport(TransportLimits.DEFAULTS.withExportStallTimeout(Duration.ofSeconds(1))));
    backend = server.stub("auth-backend");
    auditor = server.stub("auditor");
    for (int i = 0; i < 6; i++) {
      AppendBatchRequest.Builder b = AppendBatchRequest.newBuilder();
      for (int k = 0; k < 500; k++) {
        b.addEvents(Events.registrationFailure().toBuilder()
            .putAttributes("detail", "x".repeat(4000)));
      }
      backend.appendBatch(b.build());
    }
    // As many stalled readers as there are export threads: each takes one message only.
    List<StalledExport> stalled = List.of(new StalledExport(), new StalledExport());

    assertEquals(3000, export(ExportRequest.getDefaultInstance()).entries.size(),
        "an export after the stalled ones got a thread");
    for (StalledExport export : stalled) {
      export.readOn();
      Status status = Status.fromThrowable(export.end.get(30, TimeUnit.SECONDS));
      assertEquals(Status.Code.DEADLINE_EXCEEDED, status.getCode(), status.toString());
      assertTrue(status.getDescription().startsWith("export stalled"), status.toString());
    }
  }

  /** An export whose client takes its first message and then reads nothing until told. */
  private final class StalledExport implements ClientResponseObserver<ExportRequest,
      ExportResponse> {
    final CompletableFuture<Throwable> end = new CompletableFuture<>();
    private final CountDownLatch started = new CountDownLatch(1);
    private volatile ClientCallStreamObserver<ExportRequest> call;

    StalledExport() throws InterruptedException {
      AuditLogGrpc.newStub(server.channel("auditor"))
          .export(ExportRequest.getDefaultInstance(), this);
      assertTrue(started.await(30, TimeUnit.SECONDS), "the export started");
    }

    void readOn() {
      call.request(Integer.MAX_VALUE);
    }

    @Override
    public void beforeStart(ClientCallStreamObserver<ExportRequest> call) {
      this.call = call;
      call.disableAutoRequestWithInitial(1);
    }

    @Override
    public void onNext(ExportResponse value) {
      started.countDown();
    }

    @Override
    public void onError(Throwable t) {
      end.complete(t);
    }

    @Override
    public void onCompleted() {
      end.complete(new AssertionError("the stalled export completed"));
    }
  }

  private List<AppendResponse> append(int n) {
    AppendBatchRequest.Builder b = AppendBatchRequest.newBuilder();
    for (int i = 0; i < n; i++) {
      b.addEvents(Events.registrationFailure());
    }
    return backend.appendBatch(b.build()).getResultsList().stream()
        .map(r -> r.getAppended()).toList();
  }

  private Export export(ExportRequest request) {
    Export export = new Export();
    Iterator<ExportResponse> it = auditor.export(request);
    while (it.hasNext()) {
      ExportResponse r = it.next();
      export.messages++;
      if (r.hasHeader()) {
        export.header = r.getHeader();
      }
      export.entries.addAll(r.getEntriesList());
      if (r.hasCheckpoint()) {
        export.checkpoint = r.getCheckpoint();
      }
    }
    return export;
  }

  private static final class Export {
    ExportHeader header;
    final List<Entry> entries = new ArrayList<>();
    Checkpoint checkpoint;
    int messages;
  }
}
