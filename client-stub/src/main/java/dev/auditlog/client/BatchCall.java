package dev.auditlog.client;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.rpc.RetryInfo;
import dev.auditlog.api.v1.AppendBatchResponse;
import dev.auditlog.api.v1.AppendError;
import dev.auditlog.api.v1.AppendResult;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.protobuf.StatusProto;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.List;

/**
 * One AppendBatch call of {@link AppendBatcher} and what its answer means for each event:
 *
 * <ul>
 *   <li>an {@code appended} result completes the event's future;
 *   <li>an {@code error} result fails it with the status unary Append would have given, its
 *       field named {@code event.} instead of {@code events[i].} (INVALID_ARGUMENT,
 *       ALREADY_EXISTS, ...); UNAVAILABLE and RESOURCE_EXHAUSTED results are retried instead;
 *   <li>the whole call failing with UNAVAILABLE, with RESOURCE_EXHAUSTED that carries the
 *       server's {@code google.rpc.RetryInfo} (after its delay), or with DEADLINE_EXCEEDED
 *       (the earliest of its events' deadlines) retries every event, none of which has a
 *       result; those out of attempts or time fail with that status;
 *   <li>the call refused for the batch's size (INVALID_ARGUMENT on {@code events}, or
 *       RESOURCE_EXHAUSTED without RetryInfo: a message over the server's limit) splits the
 *       batch, unless it holds one event, which then fails as a unary Append would;
 *   <li>any other failure of the call (PERMISSION_DENIED, UNAUTHENTICATED, ...) fails every
 *       event with it.
 * </ul>
 *
 * <p>gRPC calls the observer's methods one at a time.
 */
final class BatchCall implements StreamObserver<AppendBatchResponse> {
  private final AppendBatcher batcher;
  private final List<PendingAppend> events;
  private AppendBatchResponse response;

  BatchCall(AppendBatcher batcher, List<PendingAppend> events) {
    this.batcher = batcher;
    this.events = events;
  }

  @Override
  public void onNext(AppendBatchResponse value) {
    response = value;
  }

  @Override
  public void onCompleted() {
    try {
      if (response != null && response.getResultsCount() == events.size()) {
        answer(response);
      } else {
        Status wrong = Status.INTERNAL.withDescription("the server answered "
            + (response == null ? "nothing" : response.getResultsCount() + " results")
            + " for " + events.size() + " events");
        events.forEach(p -> batcher.fail(p, wrong, null));
      }
    } finally {
      batcher.callEnded();
    }
  }

  @Override
  public void onError(Throwable t) {
    try {
      failed(Status.fromThrowable(t), Status.trailersFromThrowable(t));
    } finally {
      batcher.callEnded();
    }
  }

  private void answer(AppendBatchResponse r) {
    List<PendingAppend> again = new ArrayList<>();
    Status lastRetryable = null;
    for (int i = 0; i < events.size(); i++) {
      PendingAppend p = events.get(i);
      AppendResult result = r.getResults(i);
      if (result.hasAppended()) {
        batcher.succeed(p, result.getAppended());
        continue;
      }
      Status status = result.hasError() ? asUnary(result.getError(), i)
          : Status.INTERNAL.withDescription("the server sent an empty result for the event");
      if (status.getCode() == Status.Code.UNAVAILABLE
          || status.getCode() == Status.Code.RESOURCE_EXHAUSTED) {
        again.add(p);
        lastRetryable = status;
      } else {
        batcher.fail(p, status, null);
      }
    }
    if (!again.isEmpty()) {
      batcher.retry(again, lastRetryable, null, -1);
    }
  }

  private void failed(Status status, Metadata trailers) {
    long retryAfter = retryDelayNanos(status, trailers);
    Status.Code code = status.getCode();
    boolean refusedForCount = code == Status.Code.INVALID_ARGUMENT
        && status.getDescription() != null && status.getDescription().startsWith("events:");
    boolean refusedForBytes = code == Status.Code.RESOURCE_EXHAUSTED && retryAfter < 0;
    if (events.size() > 1 && (refusedForCount || refusedForBytes)) {
      batcher.split(events, refusedForCount);
    } else if (code == Status.Code.UNAVAILABLE || code == Status.Code.DEADLINE_EXCEEDED
        || (code == Status.Code.RESOURCE_EXHAUSTED && retryAfter >= 0)) {
      batcher.retry(events, status, trailers, retryAfter);
    } else {
      events.forEach(p -> batcher.fail(p, status, trailers));
    }
  }

  /**
   * The status unary Append gives for what the batch reported for event {@code i}: the same
   * code, the field named as Append names it ({@code events[3].user_id: ...} becomes {@code
   * event.user_id: ...}).
   */
  static Status asUnary(AppendError error, int i) {
    String message = error.getMessage();
    String batchField = "events[" + i + "]";
    if (message.startsWith(batchField)) {
      message = "event" + message.substring(batchField.length());
    }
    return Status.fromCodeValue(error.getCode()).withDescription(message);
  }

  /** The delay of the server's {@code google.rpc.RetryInfo}, or -1 when it sent none. */
  static long retryDelayNanos(Status status, Metadata trailers) {
    com.google.rpc.Status details = StatusProto.fromStatusAndTrailers(status, trailers);
    for (var any : details.getDetailsList()) {
      if (any.is(RetryInfo.class)) {
        try {
          var delay = any.unpack(RetryInfo.class).getRetryDelay();
          return Math.max(0, delay.getSeconds() * 1_000_000_000L + delay.getNanos());
        } catch (InvalidProtocolBufferException e) {
          return -1;
        }
      }
    }
    return -1;
  }
}
