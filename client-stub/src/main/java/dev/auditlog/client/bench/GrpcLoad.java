package dev.auditlog.client.bench;

import dev.auditlog.api.v1.AppendBatchRequest;
import dev.auditlog.api.v1.AppendBatchResponse;
import dev.auditlog.api.v1.AppendRequest;
import dev.auditlog.api.v1.AppendResponse;
import dev.auditlog.api.v1.AppendResult;
import dev.auditlog.api.v1.AuditLogGrpc;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslProvider;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Load on the audit server over mutual TLS with a client certificate (by default the
 * development {@code auth-backend}): a few channels (HTTP/2 connections) shared round-robin
 * by all callers, as the replicas of a backend would share them.
 */
final class GrpcLoad implements AutoCloseable {
  private static final long DEADLINE_SECONDS = 30;

  private final List<ManagedChannel> channels = new ArrayList<>();
  private final AtomicInteger next = new AtomicInteger();

  GrpcLoad(String target, Path certs, String client, int connections) throws IOException {
    for (int i = 0; i < connections; i++) {
      channels.add(mutualTls(target, certs, client));
    }
  }

  /**
   * A channel to {@code target} over mutual TLS 1.3 with the certificate {@code client} of
   * {@code certs}. Completions run on the network thread: they only record a time or wake a
   * caller.
   */
  static ManagedChannel mutualTls(String target, Path certs, String client) throws IOException {
    SslContext ssl = GrpcSslContexts.configure(
            io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder.forClient(),
            SslProvider.OPENSSL)
        .keyManager(certs.resolve(client + ".pem").toFile(),
            certs.resolve(client + ".key").toFile())
        .trustManager(certs.resolve("ca.pem").toFile())
        .protocols("TLSv1.3")
        .build();
    return NettyChannelBuilder.forTarget(target).sslContext(ssl).directExecutor().build();
  }

  private ManagedChannel channel() {
    return channels.get(Math.floorMod(next.getAndIncrement(), channels.size()));
  }

  /** Asynchronous unary Append; the future yields 1 when the event is stored. */
  CompletableFuture<Integer> appendAsync() {
    Answer<AppendResponse, Integer> answer = new Answer<>(r -> 1);
    stub().append(appendRequest(), answer);
    return answer.done;
  }

  /**
   * Asynchronous unary Appends spread over {@code logs}: each call goes to the next log in
   * turn, so that closed-loop callers keep every log equally busy. Each future yields 1 when
   * its event is stored.
   */
  Supplier<CompletableFuture<Integer>> spreadOver(List<String> logs) {
    AtomicInteger turn = new AtomicInteger();
    return () -> {
      String log = logs.get(Math.floorMod(turn.getAndIncrement(), logs.size()));
      Answer<AppendResponse, Integer> answer = new Answer<>(r -> 1);
      stub().append(appendRequest().toBuilder().setLogId(log).build(), answer);
      return answer.done;
    };
  }

  /** Asynchronous unary Append; the future yields the seq the log gave the event. */
  CompletableFuture<Long> appendForSeq() {
    Answer<AppendResponse, Long> answer = new Answer<>(AppendResponse::getSeq);
    stub().append(appendRequest(), answer);
    return answer.done;
  }

  /** Asynchronous AppendBatch of {@code size} fresh events; yields how many were stored. */
  CompletableFuture<Integer> appendBatchAsync(int size) {
    Answer<AppendBatchResponse, Integer> answer = new Answer<>(GrpcLoad::stored);
    stub().appendBatch(batch(size), answer);
    return answer.done;
  }

  private AuditLogGrpc.AuditLogStub stub() {
    return AuditLogGrpc.newStub(channel()).withDeadlineAfter(DEADLINE_SECONDS, TimeUnit.SECONDS);
  }

  /** Completes {@link #done} with what {@code outcome} reads from the response. */
  private static final class Answer<T, R> implements StreamObserver<T> {
    final CompletableFuture<R> done = new CompletableFuture<>();
    private final Function<T, R> outcome;
    private R result;

    Answer(Function<T, R> outcome) {
      this.outcome = outcome;
    }

    @Override
    public void onNext(T value) {
      result = outcome.apply(value);
    }

    @Override
    public void onError(Throwable t) {
      done.completeExceptionally(t);
    }

    @Override
    public void onCompleted() {
      done.complete(result);
    }
  }

  private static AppendRequest appendRequest() {
    return AppendRequest.newBuilder().setEvent(RegistrationEvents.next()).build();
  }

  private static AppendBatchRequest batch(int size) {
    AppendBatchRequest.Builder b = AppendBatchRequest.newBuilder();
    for (int i = 0; i < size; i++) {
      b.addEvents(RegistrationEvents.next());
    }
    return b.build();
  }

  private static int stored(AppendBatchResponse response) {
    int ok = 0;
    for (AppendResult r : response.getResultsList()) {
      if (r.hasAppended()) {
        ok++;
      }
    }
    return ok;
  }

  @Override
  public void close() throws InterruptedException {
    for (ManagedChannel c : channels) {
      c.shutdown();
    }
    for (ManagedChannel c : channels) {
      if (!c.awaitTermination(5, TimeUnit.SECONDS)) {
        c.shutdownNow();
      }
    }
  }
}
