package dev.auditlog.server.grpc;

import io.grpc.Status;
import io.grpc.StatusException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The logs a server serves, by id, and the default one that requests naming none go to.
 * Immutable and thread-safe.
 */
public final class ServedLogs {
  private final Map<String, ServedLog> logs = new LinkedHashMap<>();
  private final ServedLog defaultLog;

  /** @param logs every log served, the default one first; at least one */
  public ServedLogs(List<ServedLog> logs) {
    if (logs.isEmpty()) {
      throw new IllegalArgumentException("a server serves at least its default log");
    }
    for (ServedLog log : logs) {
      if (this.logs.putIfAbsent(log.logId(), log) != null) {
        throw new IllegalArgumentException("log '" + log.logId() + "' is served twice");
      }
    }
    this.defaultLog = logs.get(0);
  }

  /** The log of requests that name none. */
  public ServedLog defaultLog() {
    return defaultLog;
  }

  /**
   * The id of the log a request names, for metrics: the default one for an empty {@code
   * logId}, {@code "unknown"} for one not served (so that a client cannot make up labels).
   */
  String label(String logId) {
    return logId.isEmpty() ? defaultLog.logId() : logs.containsKey(logId) ? logId : "unknown";
  }

  /**
   * The log a request names, the default one for an empty {@code logId}.
   *
   * @throws StatusException NOT_FOUND naming the log, if the server does not serve it
   */
  ServedLog resolve(String logId) throws StatusException {
    if (logId.isEmpty()) {
      return defaultLog;
    }
    ServedLog log = logs.get(logId);
    if (log == null) {
      throw Status.NOT_FOUND.withDescription("log_id: this server serves no log '"
          + (logId.length() > 64 ? logId.substring(0, 64) + "..." : logId) + "'")
          .asException();
    }
    return log;
  }
}
