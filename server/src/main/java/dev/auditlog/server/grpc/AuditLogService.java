package dev.auditlog.server.grpc;

import com.google.protobuf.ByteString;
import dev.auditlog.api.v1.AppendBatchRequest;
import dev.auditlog.api.v1.AppendBatchResponse;
import dev.auditlog.api.v1.AppendError;
import dev.auditlog.api.v1.AppendRequest;
import dev.auditlog.api.v1.AppendResponse;
import dev.auditlog.api.v1.AppendResult;
import dev.auditlog.api.v1.AuditLogGrpc;
import dev.auditlog.api.v1.Checkpoint;
import dev.auditlog.api.v1.Entry;
import dev.auditlog.api.v1.ExportRequest;
import dev.auditlog.api.v1.ExportResponse;
import dev.auditlog.api.v1.GetCheckpointRequest;
import dev.auditlog.api.v1.GetCheckpointResponse;
import dev.auditlog.api.v1.GetConsistencyProofRequest;
import dev.auditlog.api.v1.GetConsistencyProofResponse;
import dev.auditlog.api.v1.GetInclusionProofRequest;
import dev.auditlog.api.v1.GetInclusionProofResponse;
import dev.auditlog.api.v1.ListForwardersRequest;
import dev.auditlog.api.v1.ListForwardersResponse;
import dev.auditlog.api.v1.ListRequest;
import dev.auditlog.api.v1.ListResponse;
import dev.auditlog.api.v1.ReplayForwarderRequest;
import dev.auditlog.api.v1.ReplayForwarderResponse;
import dev.auditlog.server.checkpoint.Checkpointer;
import dev.auditlog.server.forward.Forwarding;
import dev.auditlog.server.metrics.AuditMetrics;
import dev.auditlog.server.metrics.Refusal;
import dev.auditlog.server.store.ListQuery;
import dev.auditlog.server.store.Page;
import dev.auditlog.server.store.QueueFullException;
import dev.auditlog.server.tls.CallerIdentity;
import io.grpc.BindableService;
import io.grpc.MethodDescriptor;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.ServiceDescriptor;
import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

/**
 * The {@code audit.v1.AuditLog} service. Validates every request where it arrives, hands
 * appends to the log's sequencer and answers when their commit is done, and runs List on
 * the blocking executor, and Export on an executor of its own (an export holds its thread
 * while the client reads). Appends never block the calling thread, so the server may run
 * this service on its network threads. List answers with the bytes the store wrote for the
 * page ({@link #bindService}).
 */
public final class AuditLogService implements AuditLogGrpc.AsyncService, BindableService {
  /** Fresh checkpoints one identity may ask for at once; then one a second. */
  static final int FRESH_BURST = 5;

  private final ServedLogs logs;
  private final Executor blockingExecutor;
  private final RequestValidator validator;
  private final Executor exportExecutor;
  private final Duration exportStallTimeout;
  private final Forwarding forwarding;
  private final AuditMetrics metrics;
  private final CallerRateLimit freshCheckpoints =
      new CallerRateLimit(FRESH_BURST, Duration.ofSeconds(1), System::nanoTime);

  /**
   * @param logs the logs served, each with its sequencer, store and checkpointer
   * @param blockingExecutor runs store reads (List, GetCheckpoint); bounded, not a network
   *     thread
   * @param maxBatchSize the most events one AppendBatch may carry
   * @param exportExecutor runs exports, one thread each for their duration; bounded
   * @param exportStallTimeout how long an export waits for its client to read on
   * @param forwarding the forwarders to SIEMs of the default log, or null when none are
   *     configured
   * @param metrics counts appends by their status code, and refusals by reason
   */
  public AuditLogService(ServedLogs logs, Executor blockingExecutor, int maxBatchSize,
      Executor exportExecutor, Duration exportStallTimeout, Forwarding forwarding,
      AuditMetrics metrics) {
    this.logs = logs;
    this.blockingExecutor = blockingExecutor;
    this.validator = new RequestValidator(logs.defaultLog().logId(), maxBatchSize);
    this.exportExecutor = exportExecutor;
    this.exportStallTimeout = exportStallTimeout;
    this.forwarding = forwarding;
    this.metrics = metrics;
  }

  /**
   * The log a request names (the default one for none), ready to work on: NOT_FOUND if the
   * server does not serve it, UNAVAILABLE at once while its database is known to be away (a
   * call would otherwise wait for a connection that is not coming, and its deadline pass
   * before the retryable answer).
   */
  private ServedLog route(String logId) throws StatusException {
    ServedLog log = logs.resolve(logId);
    if (!log.available()) {
      metrics.refused(Refusal.STORE_UNAVAILABLE);
      throw Status.UNAVAILABLE.withDescription("the database of log '" + log.logId()
          + "' is unavailable; retry with the same event_id").asException();
    }
    return log;
  }

  @Override
  public void append(AppendRequest request, StreamObserver<AppendResponse> response) {
    String logId = logs.label(request.getLogId());
    try {
      ServedLog log = route(request.getLogId());
      Entry draft = validator.append(request, CallerIdentity.current());
      log.sequencer().submit(List.of(draft)).get(0).whenComplete((entry, failure) -> {
        if (failure != null) {
          response.onError(appendFailed(logId, failure, "event.event_id", 1));
          return;
        }
        metrics.appended(logId, Status.Code.OK, 1);
        if (request.getWantReceipt()) {
          respondWithReceipt(log, entry, response);
        } else {
          response.onNext(appended(entry));
          response.onCompleted();
        }
      });
    } catch (Exception e) {
      response.onError(appendFailed(logId, e, "event.event_id", 1));
    }
  }

  /**
   * The status for appends that failed with {@code e}: counted by their code, and as a
   * refusal when {@code e} is one (an invalid request, a full queue).
   */
  private StatusException appendFailed(String logId, Throwable e, String field, int events) {
    StatusException status = StoreStatus.exception(e, field);
    metrics.appended(logId, status.getStatus().getCode(), events);
    if (e instanceof QueueFullException) {
      metrics.refused(Refusal.QUEUE_FULL);
    } else if (status.getStatus().getCode() == Status.Code.INVALID_ARGUMENT) {
      metrics.refused(Refusal.VALIDATION);
    }
    return status;
  }

  /** Answers a request refused before any work (invalid ones counted as such). */
  private void invalid(StreamObserver<?> response, StatusException e) {
    if (e.getStatus().getCode() == Status.Code.INVALID_ARGUMENT) {
      metrics.refused(Refusal.VALIDATION);
    }
    response.onError(e);
  }

  /** Signs off the sequencer thread, which completes whole groups and must not wait. */
  private void respondWithReceipt(ServedLog log, Entry entry,
      StreamObserver<AppendResponse> response) {
    Runnable sign = () -> {
      response.onNext(appended(entry).toBuilder()
          .setReceipt(log.checkpointer().key().receipt(log.logId(), entry)).build());
      response.onCompleted();
    };
    try {
      blockingExecutor.execute(sign);
    } catch (RejectedExecutionException e) {
      sign.run(); // the entry is committed: answer it even when the executor is full
    }
  }

  @Override
  public void appendBatch(AppendBatchRequest request, StreamObserver<AppendBatchResponse> response) {
    String logId = logs.label(request.getLogId());
    ServedLog log;
    try {
      log = route(request.getLogId());
      validator.batch(request);
    } catch (StatusException e) {
      response.onError(appendFailed(logId, e, "events", Math.max(1, request.getEventsCount())));
      return;
    }
    int n = request.getEventsCount();
    String producer = CallerIdentity.current();
    AppendResult[] results = new AppendResult[n];
    List<Entry> drafts = new ArrayList<>(n);
    List<Integer> positions = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      try {
        drafts.add(validator.batchEvent(request.getEvents(i), i, producer));
        positions.add(i);
      } catch (StatusException e) {
        metrics.refused(Refusal.VALIDATION);
        results[i] = error(e.getStatus());
      }
    }
    if (drafts.isEmpty()) {
      count(logId, results);
      respond(response, results);
      return;
    }
    try {
      List<CompletableFuture<Entry>> futures = log.sequencer().submit(drafts);
      CompletableFuture<?>[] all = new CompletableFuture<?>[futures.size()];
      for (int k = 0; k < futures.size(); k++) {
        int i = positions.get(k);
        all[k] = futures.get(k).handle((entry, failure) -> results[i] = failure == null
            ? AppendResult.newBuilder().setAppended(appended(entry)).build()
            : error(StoreStatus.of(failure, "events[" + i + "].event_id")));
      }
      CompletableFuture.allOf(all).whenComplete((ignored, failure) -> {
        count(logId, results);
        for (AppendResult r : results) {
          if (r.hasError() && r.getError().getCode() == Status.Code.UNAVAILABLE.value()) {
            // The store is away: fail the call so that retry policies apply; events of the
            // batch already stored are answered from the store on retry (same event_id).
            response.onError(Status.UNAVAILABLE.withDescription(r.getError().getMessage())
                .asException());
            return;
          }
        }
        respond(response, results);
      });
    } catch (Exception e) {
      // The invalid events count as such, the valid ones with the call's failure.
      if (drafts.size() < n) {
        metrics.appended(logId, Status.Code.INVALID_ARGUMENT, n - drafts.size());
      }
      response.onError(appendFailed(logId, e, "events", drafts.size()));
    }
  }

  /** Counts a batch's results by their status code. */
  private void count(String logId, AppendResult[] results) {
    int[] byCode = new int[Status.Code.values().length];
    for (AppendResult r : results) {
      byCode[r.hasError() ? Status.fromCodeValue(r.getError().getCode()).getCode().value() : 0]++;
    }
    for (Status.Code code : Status.Code.values()) {
      if (byCode[code.value()] > 0) {
        metrics.appended(logId, code, byCode[code.value()]);
      }
    }
  }

  /**
   * The service's methods, with List answering with the bytes its store wrote ({@link
   * Page#wire}) through {@link SerializedMessages}, instead of a {@link ListResponse} that
   * gRPC would serialize again. Clients see the same messages.
   */
  @Override
  public ServerServiceDefinition bindService() {
    ServerServiceDefinition generated = AuditLogGrpc.bindService(this);
    MethodDescriptor<ListRequest, ListResponse> list = AuditLogGrpc.getListMethod();
    MethodDescriptor<ListRequest, ByteString> serialized =
        list.toBuilder(list.getRequestMarshaller(), SerializedMessages.MARSHALLER).build();
    List<ServerMethodDefinition<?, ?>> others = new ArrayList<>();
    ServiceDescriptor service = generated.getServiceDescriptor();
    ServiceDescriptor.Builder descriptor = ServiceDescriptor.newBuilder(service.getName())
        .setSchemaDescriptor(service.getSchemaDescriptor()).addMethod(serialized);
    for (ServerMethodDefinition<?, ?> m : generated.getMethods()) {
      if (!m.getMethodDescriptor().getFullMethodName().equals(list.getFullMethodName())) {
        others.add(m);
        descriptor.addMethod(m.getMethodDescriptor());
      }
    }
    ServerServiceDefinition.Builder definition = ServerServiceDefinition.builder(descriptor.build())
        .addMethod(serialized, ServerCalls.asyncUnaryCall(this::listSerialized));
    others.forEach(definition::addMethod);
    return definition.build();
  }

  /** List, answering with a serialized {@link ListResponse}. */
  private void listSerialized(ListRequest request, StreamObserver<ByteString> response) {
    ListQuery query;
    ServedLog log;
    try {
      log = route(request.getLogId());
      query = validator.list(request);
    } catch (StatusException e) {
      invalid(response, e);
      return;
    }
    String filters = RequestValidator.filters(request, query.filter());
    run(blockingExecutor, () -> runList(log, query, filters, response), response,
        "too many List calls waiting");
  }

  private void runList(ServedLog log, ListQuery query, String filters,
      StreamObserver<ByteString> response) {
    try {
      Page page = log.store().list(query);
      ByteString answer = page.wire();
      if (page.more()) {
        // A second ListResponse appended to the first: parsed as one, with both fields.
        answer = answer.concat(ListResponse.newBuilder()
            .setNextPageToken(PageTokens.encode(page.lastSeq(), filters)).build().toByteString());
      }
      response.onNext(answer);
      response.onCompleted();
    } catch (Exception e) {
      response.onError(StoreStatus.of(e, "").asException());
    }
  }

  @Override
  public void getCheckpoint(GetCheckpointRequest request,
      StreamObserver<GetCheckpointResponse> response) {
    ServedLog log;
    try {
      log = route(request.getLogId());
      validator.getCheckpoint(request);
    } catch (StatusException e) {
      invalid(response, e);
      return;
    }
    if (request.getFresh() && !freshCheckpoints.tryAcquire(CallerIdentity.current())) {
      metrics.refused(Refusal.RATE_LIMIT);
      response.onError(StoreStatus.exception(Status.RESOURCE_EXHAUSTED.withDescription(
          "fresh: at most " + FRESH_BURST + " fresh checkpoints at once and one a second per"
              + " identity; retry after 1 s, or ask for the latest stored one").asException(),
          ""));
      return;
    }
    run(blockingExecutor, () -> runGetCheckpoint(log.checkpointer(), request, response),
        response, "too many calls waiting");
  }

  private void runGetCheckpoint(Checkpointer checkpointer, GetCheckpointRequest r,
      StreamObserver<GetCheckpointResponse> response) {
    try {
      Checkpoint c = r.getFresh() ? checkpointer.fresh()
          : (r.getSeq() == 0 ? checkpointer.latest() : checkpointer.covering(r.getSeq()))
              .orElseThrow(() -> Status.NOT_FOUND.withDescription(r.getSeq() == 0
                  ? "no checkpoint yet; ask for a fresh one"
                  : "seq: no checkpoint at or after seq " + r.getSeq() + " yet").asException());
      response.onNext(GetCheckpointResponse.newBuilder().setCheckpoint(c).build());
      response.onCompleted();
    } catch (Exception e) {
      response.onError(StoreStatus.of(e, "").asException());
    }
  }

  @Override
  public void export(ExportRequest request, StreamObserver<ExportResponse> response) {
    ServedLog log;
    try {
      log = route(request.getLogId());
      validator.export(request);
    } catch (StatusException e) {
      invalid(response, e);
      return;
    }
    ExportCall call = new ExportCall(log.store(), log.checkpointer(), log.logId(), response,
        exportStallTimeout);
    run(exportExecutor, () -> call.run(request), response, "too many exports running");
  }

  @Override
  public void getInclusionProof(GetInclusionProofRequest request,
      StreamObserver<GetInclusionProofResponse> response) {
    ServedLog log;
    try {
      log = route(request.getLogId());
      validator.inclusionProof(request);
    } catch (StatusException e) {
      response.onError(e);
      return;
    }
    answer(() -> log.proofs().inclusion(request), response);
  }

  @Override
  public void getConsistencyProof(GetConsistencyProofRequest request,
      StreamObserver<GetConsistencyProofResponse> response) {
    ServedLog log;
    try {
      log = route(request.getLogId());
      validator.consistencyProof(request);
    } catch (StatusException e) {
      response.onError(e);
      return;
    }
    answer(() -> log.proofs().consistency(request), response);
  }

  private interface Call<T> {
    T call() throws Exception;
  }

  /** Runs a unary call on the blocking executor, answering its result or its status. */
  private <T> void answer(Call<T> call, StreamObserver<T> response) {
    run(blockingExecutor, () -> {
      try {
        response.onNext(call.call());
        response.onCompleted();
      } catch (Exception e) {
        response.onError(StoreStatus.of(e, "").asException());
      }
    }, response, "too many calls waiting");
  }

  @Override
  public void listForwarders(ListForwardersRequest request,
      StreamObserver<ListForwardersResponse> response) {
    run(blockingExecutor, () -> {
      try {
        ListForwardersResponse.Builder b = ListForwardersResponse.newBuilder();
        if (forwarding != null) {
          forwarding.status().forEach(s -> b.addForwarders(ForwarderStatuses.of(s)));
        }
        response.onNext(b.build());
        response.onCompleted();
      } catch (Exception e) {
        response.onError(StoreStatus.of(e, "").asException());
      }
    }, response, "too many calls waiting");
  }

  @Override
  public void replayForwarder(ReplayForwarderRequest request,
      StreamObserver<ReplayForwarderResponse> response) {
    try {
      validator.replayForwarder(request);
    } catch (StatusException e) {
      invalid(response, e);
      return;
    }
    run(blockingExecutor, () -> {
      try {
        if (forwarding == null) {
          throw Status.NOT_FOUND.withDescription("destination: no forwarding is configured")
              .asException();
        }
        forwarding.replay(request.getDestination(), request.getFromSeq());
        ReplayForwarderResponse.Builder b = ReplayForwarderResponse.newBuilder();
        forwarding.status().stream()
            .filter(s -> s.cursor().destination().equals(request.getDestination()))
            .findFirst().ifPresent(s -> b.setForwarder(ForwarderStatuses.of(s)));
        response.onNext(b.build());
        response.onCompleted();
      } catch (IllegalArgumentException e) {
        response.onError(Status.NOT_FOUND.withDescription("destination: " + e.getMessage())
            .asException());
      } catch (Exception e) {
        response.onError(StoreStatus.of(e, "").asException());
      }
    }, response, "too many calls waiting");
  }

  /**
   * Runs {@code task} on {@code executor}; when the executor refuses it (full), answers
   * RESOURCE_EXHAUSTED with RetryInfo, saying {@code why}.
   */
  private void run(Executor executor, Runnable task, StreamObserver<?> response, String why) {
    try {
      executor.execute(task);
    } catch (RejectedExecutionException e) {
      metrics.refused(Refusal.OVERLOADED);
      response.onError(StoreStatus.exception(Status.RESOURCE_EXHAUSTED
          .withDescription("server is overloaded: " + why + "; retry later").asException(), ""));
    }
  }

  private static AppendResponse appended(Entry e) {
    return AppendResponse.newBuilder()
        .setSeq(e.getSeq())
        .setRecordedAt(e.getRecordedAt())
        .setEntryHash(e.getEntryHash())
        .setChainHash(e.getChainHash())
        .build();
  }

  private static AppendResult error(Status status) {
    return AppendResult.newBuilder()
        .setError(AppendError.newBuilder()
            .setCode(status.getCode().value())
            .setMessage(status.getDescription() == null ? "" : status.getDescription()))
        .build();
  }

  private static void respond(StreamObserver<AppendBatchResponse> response, AppendResult[] results) {
    response.onNext(AppendBatchResponse.newBuilder().addAllResults(List.of(results)).build());
    response.onCompleted();
  }
}
