package dev.auditlog.server.grpc;

import com.google.protobuf.Timestamp;
import dev.auditlog.api.v1.ForwarderStatus;
import dev.auditlog.server.forward.Forwarding;
import dev.auditlog.server.store.ForwardCursor;
import java.time.Instant;

/** A forwarder's state as the API returns it. */
final class ForwarderStatuses {
  private ForwarderStatuses() {}

  static ForwarderStatus of(Forwarding.Status s) {
    ForwardCursor c = s.cursor();
    ForwarderStatus.Builder b = ForwarderStatus.newBuilder()
        .setDestination(c.destination())
        .setLogId(c.logId())
        .setCursorSeq(c.seq())
        .setHeadSeq(s.headSeq())
        .setLagEntries(s.lagEntries())
        .setLagMillis(s.lag().toMillis())
        .setForwardingHere(s.forwardingHere());
    if (c.lastSuccess() != null) {
      b.setLastSuccess(timestamp(c.lastSuccess()));
    }
    if (c.lastError() != null) {
      b.setLastError(c.lastError()).setLastErrorAt(timestamp(c.lastErrorAt()));
    }
    if (c.paused() != null) {
      b.setPaused(c.paused());
    }
    return b.build();
  }

  private static Timestamp timestamp(Instant i) {
    return Timestamp.newBuilder().setSeconds(i.getEpochSecond()).setNanos(i.getNano()).build();
  }
}
