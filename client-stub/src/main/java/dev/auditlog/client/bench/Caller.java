package dev.auditlog.client.bench;

/**
 * One simulated client of a closed-loop run: sends one request at a time and waits for it.
 * Used by one thread.
 */
interface Caller extends AutoCloseable {

  /**
   * Sends one request and returns how many of its events were stored.
   *
   * @throws Exception if the whole request failed
   */
  int call() throws Exception;

  @Override
  default void close() throws Exception {}

  /** Opens one caller with its own connection or stub. */
  @FunctionalInterface
  interface Factory {
    Caller open() throws Exception;
  }
}
