package dev.auditlog.server.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import dev.auditlog.api.v1.AppendRequest;
import dev.auditlog.api.v1.AuditEvent;
import dev.auditlog.api.v1.AuditLogGrpc;
import dev.auditlog.api.v1.Entry;
import dev.auditlog.api.v1.ListRequest;
import dev.auditlog.api.v1.ListResponse;
import dev.auditlog.server.AuditServerExtension;
import dev.auditlog.server.Events;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Thousands of random and mutated Append requests as raw bytes, past the generated stubs:
 * random bytes, valid requests with bytes flipped, cut off or spliced, invalid UTF-8 in
 * string fields, unknown enum values and fields, huge maps, control characters and
 * addresses with zone ids. Each gets a definite status from the expected few (never
 * INTERNAL: hostile input is the caller's error, not the server's), nothing is half-stored
 * (rows equal the acknowledged appends and the chain verifies), and the server keeps serving.
 */
@Timeout(value = 100, unit = TimeUnit.SECONDS)
class HostileInputIT {
  // PERMISSION_DENIED: a mutated request may name a log (log_id, field 3) other than the
  // default one, which is the only log the caller may append to (whether the log exists or
  // not, AuthInterceptor answers the same).
  private static final Set<Status.Code> EXPECTED = Set.of(Status.Code.OK,
      Status.Code.INVALID_ARGUMENT, Status.Code.ALREADY_EXISTS, Status.Code.RESOURCE_EXHAUSTED,
      Status.Code.PERMISSION_DENIED);
  private static final MethodDescriptor<byte[], byte[]> RAW_APPEND =
      MethodDescriptor.<byte[], byte[]>newBuilder()
          .setType(MethodDescriptor.MethodType.UNARY)
          .setFullMethodName(AuditLogGrpc.getAppendMethod().getFullMethodName())
          .setRequestMarshaller(new Bytes())
          .setResponseMarshaller(new Bytes())
          .build();

  private final long seed = System.nanoTime();
  private final Random random = new Random(seed);
  private final Map<Status.Code, Integer> seen = new EnumMap<>(Status.Code.class);
  private final List<String> unclear = new ArrayList<>();
  private ManagedChannel channel;

  @RegisterExtension
  final AuditServerExtension server = AuditServerExtension.mutualTls();

  @BeforeEach
  void channel() {
    channel = server.channel("auth-backend");
  }

  @Test
  void randomAndMutatedRequests_eachGetAClearStatus_nothingHalfStored_serverStaysUp()
      throws Exception {
    for (int i = 0; i < 1500; i++) {
      send(randomBytes(random.nextInt(600)));
    }
    for (int i = 0; i < 2500; i++) {
      send(mutate(validRequest()));
    }
    for (byte[] special : specialCases()) {
      send(special);
    }

    System.out.printf("hostile input (seed %d): %s%n", seed, seen);
    assertEquals(List.of(), unclear.subList(0, Math.min(5, unclear.size())),
        unclear.size() + " unclear statuses, seed " + seed);
    List<Entry> stored = listAll();
    assertEquals(seen.getOrDefault(Status.Code.OK, 0), stored.size());
    assertEquals(stored.size(), server.db().countEntries());
    Events.assertChain(stored);
    assertEquals(stored.size() + 1, server.stub("auth-backend")
        .append(Events.request(Events.registrationFailure())).getSeq());
  }

  private void send(byte[] request) {
    Status.Code code;
    try {
      ClientCalls.blockingUnaryCall(channel, RAW_APPEND,
          CallOptions.DEFAULT.withDeadlineAfter(20, TimeUnit.SECONDS), request);
      code = Status.Code.OK;
    } catch (StatusRuntimeException e) {
      code = e.getStatus().getCode();
      String description = e.getStatus().getDescription();
      if (!EXPECTED.contains(code) || description == null || description.isBlank()
          || description.contains("SQL") || description.contains("Exception")) {
        unclear.add(e.getStatus().toString());
      }
    }
    seen.merge(code, 1, Integer::sum);
  }

  /** A valid request with a new event_id, so that a mutation of it may be stored. */
  private static byte[] validRequest() {
    return Events.request(Events.registrationFailure()).toByteArray();
  }

  private byte[] mutate(byte[] valid) {
    byte[] b = valid.clone();
    switch (random.nextInt(5)) {
      case 0 -> {
        for (int k = 1 + random.nextInt(4); k > 0; k--) {
          b[random.nextInt(b.length)] ^= (byte) (1 << random.nextInt(8));
        }
        return b;
      }
      case 1 -> {
        byte[] cut = new byte[random.nextInt(b.length)];
        System.arraycopy(b, 0, cut, 0, cut.length);
        return cut;
      }
      case 2 -> {
        int at = random.nextInt(b.length);
        byte[] spliced = new byte[b.length + 8];
        System.arraycopy(b, 0, spliced, 0, at);
        System.arraycopy(randomBytes(8), 0, spliced, at, 8);
        System.arraycopy(b, at, spliced, at + 8, b.length - at);
        return spliced;
      }
      case 3 -> {
        b[random.nextInt(b.length)] = (byte) random.nextInt(256);
        return b;
      }
      default -> {
        return concat(b, randomBytes(1 + random.nextInt(16)));
      }
    }
  }

  private List<byte[]> specialCases() throws IOException {
    List<byte[]> cases = new ArrayList<>();
    for (int field = 1; field <= 5; field++) {
      cases.add(withRawString(field, new byte[] {(byte) 0xc3, 0x28}));
      cases.add(withRawString(field, new byte[] {(byte) 0xed, (byte) 0xa0, (byte) 0x80}));
      cases.add(withRawString(field, new byte[] {(byte) 0xff, (byte) 0xfe}));
    }
    AuditEvent base = Events.registrationFailure();
    AuditEvent.Builder huge = base.toBuilder();
    for (int i = 0; i < 20_000; i++) {
      huge.putRiskSignals("k" + i, "v");
    }
    cases.add(request(huge.build()));
    cases.add(request(base.toBuilder().putAttributes("", "empty key").build()));
    cases.add(request(base.toBuilder().putAttributes("big", "x".repeat(100_000)).build()));
    for (String control : List.of("\u0000", "\u0007", "\u001b[2J", "\r\n", "\u202e", "\ud800")) {
      cases.add(request(Events.registrationFailure().toBuilder()
          .setUserId("user" + control).build()));
      cases.add(request(Events.registrationFailure().toBuilder()
          .setAction("user.login" + control).build()));
      cases.add(request(Events.registrationFailure().toBuilder()
          .putAttributes("note", "a" + control + "b").build()));
    }
    cases.add(request(base.toBuilder().setOutcomeValue(99).build()));
    cases.add(request(base.toBuilder().setSourceIp("999.1.1.1").build()));
    for (String zoned : List.of("fe80::1%nosuch0", "fe80::1%lo", "fe80::1%1", "::1%999999")) {
      cases.add(request(Events.registrationFailure().toBuilder().setSourceIp(zoned).build()));
    }
    cases.add(request(base.toBuilder().setOccurredAt(
        com.google.protobuf.Timestamp.newBuilder().setSeconds(Long.MAX_VALUE)).build()));
    cases.add(concat(request(Events.registrationFailure()), unknownField()));
    cases.add(concat(request(Events.registrationFailure()), request(Events.registrationFailure())));
    cases.add(new byte[0]);
    cases.add(deeplyNested(200));
    return cases;
  }

  /** An AppendRequest whose event has {@code bytes} as string field {@code field}. */
  private static byte[] withRawString(int field, byte[] bytes) throws IOException {
    ByteArrayOutputStream event = new ByteArrayOutputStream();
    CodedOutputStream out = CodedOutputStream.newInstance(event);
    Events.registrationFailure().toBuilder().clearUserId().build().writeTo(out);
    out.writeBytes(field, ByteString.copyFrom(bytes));
    out.flush();
    ByteArrayOutputStream request = new ByteArrayOutputStream();
    CodedOutputStream r = CodedOutputStream.newInstance(request);
    r.writeByteArray(1, event.toByteArray());
    r.flush();
    return request.toByteArray();
  }

  /** Field 1 (event) nested in itself {@code depth} times, as length-delimited groups. */
  private static byte[] deeplyNested(int depth) throws IOException {
    byte[] inner = new byte[0];
    for (int i = 0; i < depth; i++) {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      CodedOutputStream out = CodedOutputStream.newInstance(bytes);
      out.writeByteArray(8, inner);
      out.flush();
      inner = bytes.toByteArray();
    }
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    CodedOutputStream out = CodedOutputStream.newInstance(bytes);
    out.writeByteArray(1, inner);
    out.flush();
    return bytes.toByteArray();
  }

  private static byte[] unknownField() throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    CodedOutputStream out = CodedOutputStream.newInstance(bytes);
    out.writeString(999, "unknown");
    out.flush();
    return bytes.toByteArray();
  }

  private static byte[] request(AuditEvent event) {
    return AppendRequest.newBuilder().setEvent(event).build().toByteArray();
  }

  private byte[] randomBytes(int n) {
    byte[] b = new byte[n];
    random.nextBytes(b);
    return b;
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] c = new byte[a.length + b.length];
    System.arraycopy(a, 0, c, 0, a.length);
    System.arraycopy(b, 0, c, a.length, b.length);
    return c;
  }

  private List<Entry> listAll() {
    AuditLogGrpc.AuditLogBlockingStub auditor = server.stub("auditor");
    List<Entry> all = new ArrayList<>();
    String token = "";
    do {
      ListResponse page = auditor.list(
          ListRequest.newBuilder().setPageSize(1000).setPageToken(token).build());
      all.addAll(page.getEntriesList());
      token = page.getNextPageToken();
    } while (!token.isEmpty());
    return all;
  }

  /** Passes bytes through untouched. */
  private static final class Bytes implements MethodDescriptor.Marshaller<byte[]> {
    @Override
    public InputStream stream(byte[] value) {
      return new ByteArrayInputStream(value);
    }

    @Override
    public byte[] parse(InputStream stream) {
      try {
        return stream.readAllBytes();
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
    }
  }
}
