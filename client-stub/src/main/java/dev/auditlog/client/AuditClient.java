package dev.auditlog.client;

import dev.auditlog.api.v1.AppendBatchRequest;
import dev.auditlog.api.v1.AppendBatchResponse;
import dev.auditlog.api.v1.AppendRequest;
import dev.auditlog.api.v1.AppendResponse;
import dev.auditlog.api.v1.AuditEvent;
import dev.auditlog.api.v1.AuditLogGrpc;
import dev.auditlog.api.v1.Checkpoint;
import dev.auditlog.api.v1.ExportRequest;
import dev.auditlog.api.v1.ExportResponse;
import dev.auditlog.api.v1.GetCheckpointRequest;
import dev.auditlog.api.v1.ListRequest;
import dev.auditlog.api.v1.ListResponse;
import io.grpc.Channel;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslProvider;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Iterator;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * A client of the audit log over mutual TLS.
 *
 * <p>Build it from a target ({@code host:port}) and the three PEM files, or over a {@link
 * Channel} the caller owns. Calls block until the server answers or the deadline passes
 * (10 s unless set), and throw {@link io.grpc.StatusRuntimeException} on failure: retry an
 * append that failed with UNAVAILABLE or DEADLINE_EXCEEDED with the same event, which the
 * server stores only once. Thread-safe.
 */
public final class AuditClient implements AutoCloseable {
  private static final Duration DEFAULT_DEADLINE = Duration.ofSeconds(10);

  private final AuditLogGrpc.AuditLogBlockingStub stub;
  private final ManagedChannel owned;
  private final Duration deadline;

  private AuditClient(Channel channel, ManagedChannel owned, Duration deadline) {
    this.stub = AuditLogGrpc.newBlockingStub(channel);
    this.owned = owned;
    this.deadline = deadline;
  }

  /**
   * Connects to {@code target} presenting {@code certificate} and {@code key} (PEM), trusting
   * server certificates signed by {@code trustedCa}.
   *
   * @throws IOException if a file cannot be read or does not hold what it should
   */
  public static AuditClient connect(String target, Path certificate, Path key, Path trustedCa)
      throws IOException {
    var ssl = GrpcSslContexts.configure(
        io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder.forClient(), SslProvider.OPENSSL)
        .keyManager(certificate.toFile(), key.toFile())
        .trustManager(trustedCa.toFile())
        .protocols("TLSv1.3")
        .build();
    ManagedChannel channel = NettyChannelBuilder.forTarget(target).sslContext(ssl).build();
    return new AuditClient(channel, channel, DEFAULT_DEADLINE);
  }

  /** A client over a channel the caller owns and closes. */
  public static AuditClient over(Channel channel) {
    return new AuditClient(channel, null, DEFAULT_DEADLINE);
  }

  /** A client like this one whose calls have {@code deadline}. */
  public AuditClient withDeadline(Duration deadline) {
    return new AuditClient(stub.getChannel(), null, deadline);
  }

  /**
   * Appends one event and returns where the log put it. An event without {@code event_id}
   * gets a random UUID; to retry safely, set it yourself and resend the same event.
   */
  public AppendResponse append(AuditEvent event) {
    AuditEvent withId = event.getEventId().isEmpty()
        ? event.toBuilder().setEventId(UUID.randomUUID().toString()).build()
        : event;
    return stub().append(AppendRequest.newBuilder().setEvent(withId).build());
  }

  /** Appends many events; each gets its own result. */
  public AppendBatchResponse appendBatch(AppendBatchRequest request) {
    return stub().appendBatch(request);
  }

  /** Lists one page of entries. */
  public ListResponse list(ListRequest request) {
    return stub().list(request);
  }

  /** Returns a signed checkpoint: the latest, one covering a seq, or a fresh one. */
  public Checkpoint checkpoint(GetCheckpointRequest request) {
    return stub().getCheckpoint(request);
  }

  /**
   * Starts an export and returns its messages as they arrive (see {@link ExportWriter}).
   * The call has no deadline, since an export may be large: the caller ends it early by
   * cancelling the current gRPC {@link io.grpc.Context}. Read the iterator to its end, or
   * the call stays open.
   */
  public Iterator<ExportResponse> export(ExportRequest request) {
    return stub.export(request);
  }

  private AuditLogGrpc.AuditLogBlockingStub stub() {
    return stub.withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Closes the channel if this client opened it. */
  @Override
  public void close() {
    if (owned != null) {
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
  }
}
