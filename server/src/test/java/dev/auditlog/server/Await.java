package dev.auditlog.server;

import java.time.Duration;
import java.util.concurrent.Callable;

/**
 * Waits in tests for a condition instead of sleeping for a guessed time: checks it every
 * few milliseconds until it holds, and fails with {@code what} once {@code timeout} passed.
 */
public final class Await {
  private Await() {}

  /** Returns as soon as {@code condition} holds; throws AssertionError after the timeout. */
  public static void until(String what, Duration timeout, Callable<Boolean> condition)
      throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.call()) {
      if (System.nanoTime() - deadline > 0) {
        throw new AssertionError("timed out after " + timeout + " waiting until " + what);
      }
      Thread.sleep(10);
    }
  }
}
