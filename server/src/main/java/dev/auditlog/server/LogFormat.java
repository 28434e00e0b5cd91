package dev.auditlog.server;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.ConsoleAppender;
import org.slf4j.LoggerFactory;
import org.slf4j.bridge.SLF4JBridgeHandler;

/**
 * How the server's log lines look on standard error ({@code --log-format}).
 *
 * <p>{@link #TEXT}: {@code 2026-12-01T09:15:00.123Z [main] INFO dev.auditlog.server.AuditServer
 * - audit server listening on ...}, as {@code logback.xml} says. {@link #JSON}: one JSON object
 * per line, written by logback's own {@link JsonEncoder}: {@code timestamp} (milliseconds since
 * the epoch), {@code level}, {@code threadName}, {@code loggerName}, {@code mdc} (request logs
 * put {@code caller}, {@code grpc_method} and {@code grpc_status} there), {@code
 * formattedMessage}, and {@code throwable} when there is one. Which loggers write at which level
 * stays as {@code logback.xml} says, in both formats.
 */
public enum LogFormat {
  TEXT,
  JSON;

  /** The appender of {@code logback.xml} whose encoder {@link #JSON} replaces. */
  static final String APPENDER = "console";

  /**
   * The format named {@code text} or {@code json}, in any case.
   *
   * @throws IllegalArgumentException naming {@code --log-format} and the value otherwise
   */
  public static LogFormat parse(String name) {
    for (LogFormat f : values()) {
      if (f.name().equalsIgnoreCase(name)) {
        return f;
      }
    }
    throw new IllegalArgumentException("--log-format must be text or json, got '" + name + "'");
  }

  /**
   * Sends what is logged through {@code java.util.logging} (grpc-java, the PostgreSQL driver)
   * to the same log, and sets this format on the console appender. Call once, at start,
   * before other threads log.
   */
  public void apply() {
    SLF4JBridgeHandler.removeHandlersForRootLogger();
    SLF4JBridgeHandler.install();
    if (this == TEXT || !(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
      return;
    }
    Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    Appender<ILoggingEvent> appender = root.getAppender(APPENDER);
    if (!(appender instanceof ConsoleAppender<ILoggingEvent> console)) {
      root.warn("--log-format json: the logback configuration has no console appender named"
          + " '{}'; its format is left as configured", APPENDER);
      return;
    }
    console.stop();
    console.setEncoder(jsonEncoder(context));
    console.start();
  }

  private static JsonEncoder jsonEncoder(LoggerContext context) {
    JsonEncoder json = new JsonEncoder();
    json.setContext(context);
    json.setWithSequenceNumber(false);
    json.setWithNanoseconds(false);
    json.setWithContext(false);
    json.setWithKVPList(false);
    json.setWithArguments(false);
    // The message once, with its arguments in place, not also its template.
    json.setWithMessage(false);
    json.setWithFormattedMessage(true);
    json.start();
    return json;
  }
}
