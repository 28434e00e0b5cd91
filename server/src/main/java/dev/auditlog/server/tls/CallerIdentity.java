package dev.auditlog.server.tls;

import io.grpc.Context;

/**
 * The identity of the caller of the current call, as its client certificate states it (see
 * {@link CertificateIdentity} for the rules).
 *
 * <p>{@link AuthInterceptor} puts it in the gRPC {@link Context} of every call that needs one;
 * handlers read it with {@link #current()}.
 */
public final class CallerIdentity {
  static final Context.Key<String> KEY = Context.key("audit.caller-identity");

  private CallerIdentity() {}

  /**
   * The identity of the caller of the current call.
   *
   * @throws IllegalStateException outside a call that passed {@link AuthInterceptor} with an
   *     identity
   */
  public static String current() {
    String identity = KEY.get();
    if (identity == null) {
      throw new IllegalStateException("no caller identity in this context");
    }
    return identity;
  }
}
