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
import io.grpc.ClientInterceptor;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.stub.AbstractStub;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
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
 * from several targets (replicas of the server on one database) with {@link
 * #connect(List, Path, Path, Path)}, over a {@link Channel} the caller owns with {@link #over},
 * or with {@link #builder()} for the options (batching, interceptors). Every call has a
 * deadline ({@link #DEFAULT_DEADLINE} unless changed with {@link #withDeadline}) that covers
 * all of its attempts.
 *
 * <p><b>Appends are safe to retry.</b> An event without {@code event_id} gets a random UUID
 * before it is first sent, and the server stores an event once per {@code event_id}. A client
 * made by {@link #connect} retries calls that fail with UNAVAILABLE or a server-sent
 * DEADLINE_EXCEEDED through gRPC's retry policy (see {@link #retryServiceConfig()}), resending
 * the same event; a caller that still gets an error may resend the same event itself.
 *
 * <p><b>Batching</b> ({@link Builder#batching}, off unless asked for) sends the events of
 * {@link #appendAsync} that arrive together as AppendBatch calls; each event keeps its own
 * future, result and retries, as if it had been sent alone.
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
  private final AppendBatcher batcher;
  private final boolean ownsBatcher;

  private AuditClient(Channel channel, ManagedChannel owned, Duration deadline,
      AppendBatcher batcher, boolean ownsBatcher) {
    this.channel = channel;
    this.owned = owned;
    this.deadline = deadline;
    this.batcher = batcher;
    this.ownsBatcher = ownsBatcher;
  }

  /** A builder for a client with options beyond those of {@link #connect} and {@link #over}. */
  public static Builder builder() {
    return new Builder();
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
    return builder().target(target).credentials(certificate, key, trustedCa).deadline(deadline)
        .build();
  }

  /**
   * Connects to several instances of the server ({@code host:port} each, e.g. replicas on
   * one database) like {@link #connect(String, Path, Path, Path)}, spreading calls over them
   * round robin. TLS checks each server's certificate against the name it is listed under. A
   * server that cannot be reached is skipped; a call that fails UNAVAILABLE on one (it went
   * down meanwhile) is retried on another by the retry policy, with the same event.
   *
   * @throws IllegalArgumentException if {@code targets} is empty or one is not host:port
   * @throws IOException if a file cannot be read or does not hold what it should
   */
  public static AuditClient connect(List<String> targets, Path certificate, Path key,
      Path trustedCa) throws IOException {
    return builder().targets(targets).credentials(certificate, key, trustedCa).build();
  }

  /**
   * A client over a channel the caller owns and closes; {@link #close()} leaves it open. Such
   * a channel retries only if it was built with {@link #retryServiceConfig()} and {@code
   * enableRetry()}.
   */
  public static AuditClient over(Channel channel) {
    return new AuditClient(Objects.requireNonNull(channel, "channel"), null, DEFAULT_DEADLINE,
        null, false);
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
   * A client over the same channel (and batching, if any) whose calls have {@code
   * deadline}. Closing it closes neither; close this one.
   */
  public AuditClient withDeadline(Duration deadline) {
    return new AuditClient(channel, null, positive(deadline), batcher, false);
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
   *
   * <p>With {@link Builder#batching batching}, the event may travel in an AppendBatch with
   * others; its result is its own, as above (a refusal names {@code event.} fields as Append
   * does), and it is retried, with the same {@code event_id}, when its batch could not be
   * answered (UNAVAILABLE, or RESOURCE_EXHAUSTED with the server's RetryInfo). When too many
   * events are pending already ({@link Builder#maxPending}), the future fails at once with
   * RESOURCE_EXHAUSTED; after {@link #close}, with UNAVAILABLE.
   */
  public CompletableFuture<AppendResponse> appendAsync(AuditEvent event) {
    AuditEvent withId = withEventId(event);
    if (batcher != null && batcher.fits(withId)) {
      return batcher.submit(withId, deadline);
    }
    CompletableFuture<AppendResponse> result = new CompletableFuture<>();
    deadline(AuditLogGrpc.newStub(channel)).append(request(withId), new Completing<>(result));
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

  /**
   * With batching, sends the events still queued and waits until every pending append is
   * answered (at most the deadline; those left fail with UNAVAILABLE). Then closes the channel
   * if this client opened it, waiting up to 5 s for running calls. Restores the interrupt flag
   * if interrupted.
   */
  @Override
  public void close() {
    if (ownsBatcher) {
      batcher.close(deadline);
    }
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

  private static Duration positive(Duration deadline) {
    if (deadline.isNegative() || deadline.isZero()) {
      throw new IllegalArgumentException("deadline must be positive, got " + deadline);
    }
    return deadline;
  }

  static AuditEvent withEventId(AuditEvent event) {
    return event.getEventId().isEmpty()
        ? event.toBuilder().setEventId(UUID.randomUUID().toString()).build()
        : event;
  }

  /**
   * Options of a client, checked when set; {@link #build} checks that they fit together. Give
   * either a server ({@link #target} or {@link #targets}) with {@link #credentials}, or a
   * {@link #channel} of your own. Not thread-safe.
   */
  public static final class Builder {
    private String target;
    private List<String> targets;
    private Path certificate;
    private Path key;
    private Path trustedCa;
    private Channel channel;
    private Duration deadline = DEFAULT_DEADLINE;
    private BatchingSettings batching;
    private int maxPendingEvents = BatchingSettings.DEFAULT_MAX_PENDING_EVENTS;
    private long maxPendingBytes = BatchingSettings.DEFAULT_MAX_PENDING_BYTES;
    private final List<ClientInterceptor> interceptors = new ArrayList<>();

    private Builder() {}

    /** The server: {@code host:port}, or any gRPC target string. */
    public Builder target(String target) {
      this.target = Objects.requireNonNull(target, "target");
      this.targets = null;
      return this;
    }

    /**
     * Several instances of the server, {@code host:port} each, used round robin (see {@link
     * AuditClient#connect(List, Path, Path, Path)}).
     *
     * @throws IllegalArgumentException if the list is empty or an entry is not host:port
     */
    public Builder targets(List<String> targets) {
      if (targets.isEmpty()) {
        throw new IllegalArgumentException("targets: at least one host:port, got none");
      }
      targets.forEach(TargetListResolver.Target::parse);
      this.targets = List.copyOf(targets);
      this.target = null;
      return this;
    }

    /**
     * The client certificate and its key (PEM; the key PKCS#8), and the CA that signed the
     * server's certificate; read by {@link #build}.
     */
    public Builder credentials(Path certificate, Path key, Path trustedCa) {
      this.certificate = Objects.requireNonNull(certificate, "certificate");
      this.key = Objects.requireNonNull(key, "key");
      this.trustedCa = Objects.requireNonNull(trustedCa, "trustedCa");
      return this;
    }

    /**
     * A channel the caller owns and closes, instead of a target; it retries only if built
     * with {@link AuditClient#retryServiceConfig()} and {@code enableRetry()}.
     */
    public Builder channel(Channel channel) {
      this.channel = Objects.requireNonNull(channel, "channel");
      return this;
    }

    /** The deadline of every call, retries included (default {@link #DEFAULT_DEADLINE}). */
    public Builder deadline(Duration deadline) {
      this.deadline = positive(deadline);
      return this;
    }

    /**
     * Sends the events of {@link AuditClient#appendAsync} in AppendBatch calls of up to {@code
     * maxEvents} events (and under 4 MiB), an event waiting at most {@code linger} for others
     * to join it. While fewer than two batches are in flight an event goes out at once, so a
     * lone append is not delayed. Off by default: {@code appendAsync} then sends each event
     * as a unary Append. {@link AuditClient#append} is always a unary Append.
     *
     * @param linger 0 to 1 s, e.g. 1 ms
     * @param maxEvents 1 to 1000, at most the server's {@code --max-batch} (a larger batch
     *     that the server refuses is split, and later batches are kept smaller)
     * @throws IllegalArgumentException naming a value out of range
     */
    public Builder batching(Duration linger, int maxEvents) {
      this.batching = BatchingSettings.of(linger, maxEvents);
      return this;
    }

    /**
     * With batching: the most events, and bytes of events, accepted by {@link
     * AuditClient#appendAsync} and not yet answered (queued, in flight or waiting to be
     * retried). Beyond either, {@code appendAsync} fails at once with RESOURCE_EXHAUSTED
     * instead of queueing. Default 10,000 events and 64 MiB.
     */
    public Builder maxPending(int events, long bytes) {
      this.maxPendingEvents = events;
      this.maxPendingBytes = bytes;
      return this;
    }

    /** Interceptors for every call, e.g. for metrics; the first given runs first. */
    public Builder intercept(ClientInterceptor... interceptors) {
      this.interceptors.addAll(List.of(interceptors));
      return this;
    }

    /**
     * The client. A target's channel connects at the first call.
     *
     * @throws IllegalStateException if the options do not fit together
     * @throws IllegalArgumentException if the pending limits do not fit the batches
     * @throws IOException if a credentials file cannot be read or does not hold what it should
     */
    public AuditClient build() throws IOException {
      BatchingSettings settings =
          batching == null ? null : batching.withPending(maxPendingEvents, maxPendingBytes);
      ManagedChannel opened = open();
      Channel calls = ClientInterceptors.intercept(opened != null ? opened : channel,
          reversed(interceptors));
      return new AuditClient(calls, opened, deadline,
          settings == null ? null : AppendBatcher.start(calls, settings), settings != null);
    }

    private ManagedChannel open() throws IOException {
      boolean server = target != null || targets != null;
      if (channel != null) {
        if (server || certificate != null) {
          throw new IllegalStateException("set either channel, or target(s) with credentials,"
              + " not both");
        }
        return null;
      }
      if (!server) {
        throw new IllegalStateException("no server: set target, targets or channel");
      }
      if (certificate == null) {
        throw new IllegalStateException("credentials: required with target(s)");
      }
      return target != null ? ClientChannels.mutualTls(target, certificate, key, trustedCa)
          : ClientChannels.mutualTls(targets, certificate, key, trustedCa);
    }

    // ClientInterceptors.intercept runs the last one given first.
    private static List<ClientInterceptor> reversed(List<ClientInterceptor> interceptors) {
      List<ClientInterceptor> r = new ArrayList<>(interceptors);
      Collections.reverse(r);
      return r;
    }
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
