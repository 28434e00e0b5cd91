package dev.auditlog.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import dev.auditlog.server.store.AppendTransaction;
import dev.auditlog.server.store.AuditStore;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * The forwarding test doubles forward every method of their interface, with the same
 * arguments, as grpc-java's ForwardingTestUtil checks its forwarding classes: a test that
 * overrides one method then exercises the real path for all the others.
 */
class ForwardingTest {

  @Test
  void forwardingAuditStore_forwardsEveryMethod() throws Exception {
    assertForwardsAll(AuditStore.class, d -> new ForwardingAuditStore(d) {});
  }

  @Test
  void forwardingAppendTransaction_forwardsEveryMethod() throws Exception {
    assertForwardsAll(AppendTransaction.class, d -> new ForwardingAppendTransaction(d) {});
  }

  private static <T> void assertForwardsAll(Class<T> type, Function<T, T> forwarding)
      throws Exception {
    List<String> calls = new ArrayList<>();
    T delegate = type.cast(Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type},
        (proxy, method, args) -> {
          calls.add(method.getName() + Arrays.toString(args));
          return defaultValue(method.getReturnType());
        }));
    T wrapper = forwarding.apply(delegate);
    for (Method m : type.getMethods()) {
      if (Modifier.isStatic(m.getModifiers())) {
        continue;
      }
      Object[] args = Arrays.stream(m.getParameterTypes())
          .map(ForwardingTest::argument).toArray();
      calls.clear();
      try {
        m.invoke(wrapper, args);
      } catch (InvocationTargetException e) {
        throw new AssertionError(m + " threw", e.getCause());
      }
      assertEquals(List.of(m.getName() + Arrays.toString(args.length == 0 ? null : args)),
          calls, m + " is not forwarded as it was called");
    }
  }

  /** A distinct, non-null value of each parameter type the interfaces use. */
  private static Object argument(Class<?> type) {
    if (type == long.class) {
      return 42L;
    }
    if (type == int.class) {
      return 7;
    }
    if (type == String.class) {
      return "log-x";
    }
    if (type.isInterface() && !type.isSealed()) {
      return Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type},
          (p, m, a) -> m.getName().equals("toString") ? "a " + type.getSimpleName() : null);
    }
    try {
      var defaultInstance = type.getMethod("getDefaultInstance");
      return defaultInstance.invoke(null);
    } catch (ReflectiveOperationException notAMessage) {
      Object value = recordOrNull(type);
      assertNotNull(value, "no test argument for " + type);
      return value;
    }
  }

  private static Object recordOrNull(Class<?> type) {
    if (type.isRecord()) {
      var components = type.getRecordComponents();
      Object[] values = Arrays.stream(components).map(c -> argument(c.getType())).toArray();
      try {
        return type.getDeclaredConstructor(Arrays.stream(components)
            .map(c -> c.getType()).toArray(Class<?>[]::new)).newInstance(values);
      } catch (ReflectiveOperationException e) {
        return null;
      }
    }
    if (type == java.time.Instant.class) {
      return java.time.Instant.EPOCH;
    }
    if (type == java.net.InetAddress.class) {
      return java.net.InetAddress.getLoopbackAddress();
    }
    if (type.isEnum()) {
      // The second constant: a proto enum's first is its UNSPECIFIED zero value.
      return type.getEnumConstants()[Math.min(1, type.getEnumConstants().length - 1)];
    }
    if (type.isSealed()) {
      return recordOrNull(type.getPermittedSubclasses()[0]);
    }
    return null;
  }

  private static Object defaultValue(Class<?> type) {
    if (type == boolean.class) {
      return false;
    }
    if (type == int.class) {
      return 0;
    }
    if (type == long.class) {
      return 0L;
    }
    if (type == Optional.class) {
      return Optional.empty();
    }
    return null;
  }
}
