package dev.auditlog.client.bench;

import dev.auditlog.client.AuditClient;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * Load through the client library instead of raw stubs: {@link AuditClient#appendAsync} of one
 * client that sends each event as a unary Append, and of one with batching on (linger 1 ms,
 * up to 1000 events per AppendBatch). Each client has one connection.
 */
final class ClientLoad implements AutoCloseable {
  static final Duration LINGER = Duration.ofMillis(1);
  static final int MAX_EVENTS = 1000;

  private final AuditClient unary;
  private final AuditClient batched;

  ClientLoad(String target, Path certs, String client) throws IOException {
    Path pem = certs.resolve(client + ".pem");
    Path key = certs.resolve(client + ".key");
    Path ca = certs.resolve("ca.pem");
    this.unary = AuditClient.connect(target, pem, key, ca);
    this.batched = AuditClient.builder().target(target).credentials(pem, key, ca)
        .batching(LINGER, MAX_EVENTS).build();
  }

  /** One event as a unary Append; the future yields 1 when it is stored. */
  CompletableFuture<Integer> unaryAsync() {
    return unary.appendAsync(RegistrationEvents.next()).thenApply(r -> 1);
  }

  /** One event through the batching client; the future yields 1 when it is stored. */
  CompletableFuture<Integer> batchedAsync() {
    return batched.appendAsync(RegistrationEvents.next()).thenApply(r -> 1);
  }

  @Override
  public void close() {
    batched.close();
    unary.close();
  }
}
