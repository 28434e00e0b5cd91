package dev.auditlog.client;

import dev.auditlog.api.v1.AppendBatchRequest;
import dev.auditlog.api.v1.AppendBatchResponse;
import dev.auditlog.api.v1.AppendRequest;
import dev.auditlog.api.v1.AppendResponse;
import dev.auditlog.api.v1.AuditEvent;
import dev.auditlog.api.v1.AuditLogGrpc;
import dev.auditlog.api.v1.Checkpoint;
import dev.auditlog.api.v1.Entry;
import dev.auditlog.api.v1.ExportRequest;
import dev.auditlog.api.v1.ExportResponse;
import dev.auditlog.api.v1.ForwarderStatus;
import dev.auditlog.api.v1.GetCheckpointRequest;
import dev.auditlog.api.v1.GetConsistencyProofRequest;
import dev.auditlog.api.v1.GetConsistencyProofResponse;
import dev.auditlog.api.v1.GetInclusionProofRequest;
import dev.auditlog.api.v1.GetInclusionProofResponse;
import dev.auditlog.api.v1.ListForwardersRequest;
import dev.auditlog.api.v1.ListRequest;
import dev.auditlog.api.v1.ListResponse;
import dev.auditlog.api.v1.ReplayForwarderRequest;
import io.grpc.Channel;
import io.grpc.ManagedChannel;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.stub.AbstractStub;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/**
 * A client of the audit log ({@code audit.v1.AuditLog}) over mutual TLS.
 *
 * <p>Build it from a target ({@code host:port}) and the three PEM files with {@link #connect},
 * or over a {@link Channel} the caller owns with {@link #over}. Every call has a deadline
 * ({@link #DEFAULT_DEADLINE} unless changed with {@link #withDeadline}) that covers all of its
 * attempts.
 *
 * <p><b>Appends are safe to retry.</b> An event without {@code event_id} gets a random UUID
 * before it is first sent, and the server stores an event once per {@code event_id}. A client
 * made by {@link #connect} retries calls that fail with UNAVAILABLE or a server-sent
 * DEADLINE_EXCEEDED through gRPC's retry policy (see {@link #retryServiceConfig()}), resending
 * the same event; a caller that still gets an error may resend the same event itself.
 *
 * <p>Failures surface as {@link io.grpc.StatusRuntimeException} (thrown by the blocking calls,
 * or completing the future of {@link #appendAsync}). Instances are immutable and thread-safe;
 * one client per process is enough.
 */
public final class AuditClient implements AutoCloseable {
  /** The deadline of each call unless {@link #withDeadline} says otherwise. */
  public static final Duration DEFAULT_DEADLINE = Duration.ofSeconds(15);

  private final Channel channel;
  private final ManagedChannel owned;
  private final Duration deadline;

  private AuditClient(Channel channel, ManagedChannel owned, Duration deadline) {
    this.channel = channel;
    this.owned = owned;
    this.deadline = deadline;
  }

  /**
   * Connects to {@code target} ({@code host:port}, or any gRPC target string) presenting
   * {@code certificate} and {@code key} (PEM; the key PKCS#8) and trusting server certificates
   * signed by {@code trustedCa}, over TLS 1.3 with retries enabled. No connection is made until
   * the first call.
   *
   * @throws IOException if a file cannot be read or does not hold what it should
   */
  public static AuditClient connect(String target, Path certificate, Path key, Path trustedCa)
      throws IOException {
    return connect(target, certificate, key, trustedCa, DEFAULT_DEADLINE);
  }

  /**
   * Like {@link #connect(String, Path, Path, Path)}, with {@code deadline} for every call
   * (retries included).
   */
  public static AuditClient connect(String target, Path certificate, Path key, Path trustedCa,
      Duration deadline) throws IOException {
    if (deadline.isNegative() || deadline.isZero()) {
      throw new IllegalArgumentException("deadline must be positive, got " + deadline);
    }
    ManagedChannel channel = ClientChannels.mutualTls(target, certificate, key, trustedCa);
    return new AuditClient(channel, channel, deadline);
  }

  /**
   * A client over a channel the caller owns and closes; {@link #close()} leaves it open. Such
   * a channel retries only if it was built with {@link #retryServiceConfig()} and {@code
   * enableRetry()}.
   */
  public static AuditClient over(Channel channel) {
    return new AuditClient(Objects.requireNonNull(channel, "channel"), null, DEFAULT_DEADLINE);
  }

  /**
   * The gRPC service config the client's channels use: retry every {@code audit.v1.AuditLog}
   * method on UNAVAILABLE and DEADLINE_EXCEEDED, up to 5 attempts with backoff from 0.5 s to
   * 4 s. Pass it to {@code ManagedChannelBuilder.defaultServiceConfig} to get the same on a
   * channel of your own.
   */
  public static Map<String, ?> retryServiceConfig() {
    return RetryPolicy.serviceConfig();
  }

  /**
   * A client over the same channel whose calls have {@code deadline}. Closing it does not
   * close the channel; close this one.
   */
  public AuditClient withDeadline(Duration deadline) {
    if (deadline.isNegative() || deadline.isZero()) {
      throw new IllegalArgumentException("deadline must be positive, got " + deadline);
    }
    return new AuditClient(channel, null, deadline);
  }

  /**
   * Appends one event and blocks until it is committed; returns where the log put it. An
   * event without {@code event_id} gets a random UUID first.
   *
   * @throws io.grpc.StatusRuntimeException INVALID_ARGUMENT naming a bad field,
   *     ALREADY_EXISTS for an {@code event_id} stored with other content, PERMISSION_DENIED,
   *     UNAVAILABLE or DEADLINE_EXCEEDED once retries are spent
   */
  public AppendResponse append(AuditEvent event) {
    return deadline(AuditLogGrpc.newBlockingStub(channel)).append(request(event));
  }

  /**
   * Appends the event of {@code request} as {@link #append(AuditEvent)} does, with the rest of
   * the request as given: the log it names ({@code log_id}), whether a receipt is wanted.
   *
   * @throws io.grpc.StatusRuntimeException as {@link #append(AuditEvent)}, and NOT_FOUND for
   *     a log the server does not serve
   */
  public AppendResponse append(AppendRequest request) {
    return deadline(AuditLogGrpc.newBlockingStub(channel)).append(
        request.toBuilder().setEvent(withEventId(request.getEvent())).build());
  }

  /**
   * Appends one event without blocking. The future completes, on a gRPC thread, with where
   * the log put the event, or exceptionally with the {@link io.grpc.StatusRuntimeException}
   * {@link #append} would throw. Keep callbacks short or move them to your own executor.
   * Cancelling the future does not cancel the call.
   */
  public CompletableFuture<AppendResponse> appendAsync(AuditEvent event) {
    CompletableFuture<AppendResponse> result = new CompletableFuture<>();
    deadline(AuditLogGrpc.newStub(channel)).append(request(event), new Completing<>(result));
    return result;
  }

  /**
   * Appends many events (1 to 1000) in one call; each gets its own result, in order. Events
   * without {@code event_id} get a random UUID first.
   */
  public AppendBatchResponse appendBatch(List<AuditEvent> events) {
    AppendBatchRequest.Builder request = AppendBatchRequest.newBuilder();
    events.forEach(e -> request.addEvents(withEventId(e)));
    return deadline(AuditLogGrpc.newBlockingStub(channel)).appendBatch(request.build());
  }

  /** Lists one page of entries; pass its {@code next_page_token} on for the next page. */
  public ListResponse list(ListRequest request) {
    return deadline(AuditLogGrpc.newBlockingStub(channel)).list(request);
  }

  /**
   * All entries matching {@code request}'s filters from its page token on, following {@code
   * next_page_token}; each page is fetched, with its own deadline, when the stream reaches it.
   * A failing page throws {@link io.grpc.StatusRuntimeException} from the stream.
   */
  public Stream<Entry> listAll(ListRequest request) {
    PagedEntries entries = new PagedEntries(request, this::list);
    return StreamSupport.stream(
        Spliterators.spliteratorUnknownSize(entries, Spliterator.ORDERED | Spliterator.NONNULL),
        false);
  }

  /** The server's health for the audit service ({@code grpc.health.v1}); open to any caller. */
  public ServingStatus health() {
    HealthCheckRequest request =
        HealthCheckRequest.newBuilder().setService(RetryPolicy.SERVICE).build();
    return deadline(HealthGrpc.newBlockingStub(channel)).check(request).getStatus();
  }

  /** Closes the channel if {@link #connect} opened it, waiting up to 5 s for running calls. */
  @Override
  public void close() {
    if (owned == null) {
      return;
    }
    owned.shutdown();
    try {
      if (!owned.awaitTermination(5, TimeUnit.SECONDS)) {
        owned.shutdownNow();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      owned.shutdownNow();
    }
  }

  /** The state of every SIEM destination the log is forwarded to (readers may ask). */
  public List<ForwarderStatus> forwarders() {
    return deadline(AuditLogGrpc.newBlockingStub(channel))
        .listForwarders(ListForwardersRequest.getDefaultInstance()).getForwardersList();
  }

  /**
   * Delivers the log to {@code destination} again from {@code fromSeq} and resumes it if it
   * was paused ({@code fromSeq} 0 only resumes); admin identities only.
   */
  public ForwarderStatus replayForwarder(String destination, long fromSeq) {
    return deadline(AuditLogGrpc.newBlockingStub(channel)).replayForwarder(
        ReplayForwarderRequest.newBuilder().setDestination(destination).setFromSeq(fromSeq)
            .build()).getForwarder();
  }

  /** Returns a signed checkpoint: the latest, the earliest covering a seq, or a fresh one. */
  public Checkpoint checkpoint(GetCheckpointRequest request) {
    return deadline(AuditLogGrpc.newBlockingStub(channel)).getCheckpoint(request).getCheckpoint();
  }

  /**
   * Returns the inclusion proof of an entry (by seq or event id) in the tree of a signed
   * checkpoint, with the entry and that checkpoint (docs/merkle-tree.md).
   */
  public GetInclusionProofResponse inclusionProof(GetInclusionProofRequest request) {
    return deadline(AuditLogGrpc.newBlockingStub(channel)).getInclusionProof(request);
  }

  /**
   * Returns the consistency proof from the tree of {@code old_size} to a larger one, with the
   * checkpoints of both sizes where they are stored.
   */
  public GetConsistencyProofResponse consistencyProof(GetConsistencyProofRequest request) {
    return deadline(AuditLogGrpc.newBlockingStub(channel)).getConsistencyProof(request);
  }

  /**
   * Starts an export and returns its messages as they arrive (see {@link ExportWriter}).
   * The call has no deadline, since an export may take minutes; cancel the current gRPC
   * {@link io.grpc.Context} to end it early. Read the iterator to its end, or the call
   * stays open.
   */
  public Iterator<ExportResponse> export(ExportRequest request) {
    return AuditLogGrpc.newBlockingStub(channel).export(request);
  }

  private <S extends AbstractStub<S>> S deadline(S stub) {
    return stub.withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS);
  }

  private static AppendRequest request(AuditEvent event) {
    return AppendRequest.newBuilder().setEvent(withEventId(event)).build();
  }

  static AuditEvent withEventId(AuditEvent event) {
    return event.getEventId().isEmpty()
        ? event.toBuilder().setEventId(UUID.randomUUID().toString()).build()
        : event;
  }

  /** Completes a future with the single response of a unary call. */
  private static final class Completing<T> implements StreamObserver<T> {
    private final CompletableFuture<T> future;

    Completing(CompletableFuture<T> future) {
      this.future = future;
    }

    @Override
    public void onNext(T value) {
      future.complete(value);
    }

    @Override
    public void onError(Throwable t) {
      future.completeExceptionally(t);
    }

    @Override
    public void onCompleted() {
      // A unary call has delivered its response by now.
    }
  }
}
