package dev.auditlog.server.grpc;

import com.google.protobuf.ByteString;
import io.grpc.Drainable;
import io.grpc.KnownLength;
import io.grpc.MethodDescriptor;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;

/**
 * Marshals messages the server has serialized itself, as the bytes they are: for a
 * response written without building its message ({@code Page.wire()}). The stream it gives
 * gRPC tells its length and drains the bytes into gRPC's buffers, as protobuf's own
 * marshaller does.
 */
final class SerializedMessages implements MethodDescriptor.Marshaller<ByteString> {
  static final SerializedMessages MARSHALLER = new SerializedMessages();

  private SerializedMessages() {}

  @Override
  public InputStream stream(ByteString value) {
    return new Stream(value);
  }

  @Override
  public ByteString parse(InputStream stream) {
    try {
      return ByteString.readFrom(stream);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static final class Stream extends InputStream implements KnownLength, Drainable {
    private ByteString unread;
    private InputStream in;

    Stream(ByteString value) {
      this.unread = value;
    }

    @Override
    public int drainTo(OutputStream target) throws IOException {
      if (in != null) {
        return (int) in.transferTo(target);
      }
      int size = unread.size();
      unread.writeTo(target);
      unread = ByteString.EMPTY;
      return size;
    }

    @Override
    public int read() throws IOException {
      return input().read();
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      return input().read(b, off, len);
    }

    /**
     * True, as protobuf's streams: gRPC then keeps this stream as it is, Drainable, where it
     * wraps others in a buffering stream ({@code ServerInterceptors.useInputStreamMessages}).
     */
    @Override
    public boolean markSupported() {
      return true;
    }

    @Override
    public synchronized void mark(int readLimit) {
      input().mark(readLimit);
    }

    @Override
    public synchronized void reset() throws IOException {
      input().reset();
    }

    @Override
    public int available() throws IOException {
      return in == null ? unread.size() : in.available();
    }

    private InputStream input() {
      if (in == null) {
        in = unread.newInput();
      }
      return in;
    }
  }
}
