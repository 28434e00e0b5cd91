package dev.auditlog.server.store;

import java.sql.SQLException;
import java.sql.SQLTransientException;

/** Translates driver exceptions into {@link StoreException}s, deciding what is retryable. */
final class SqlErrors {
  private SqlErrors() {}

  static StoreException translate(String operation, SQLException e) {
    boolean retryable = isTransient(e);
    String message =
        operation + " failed (SQLState " + e.getSQLState() + ")" + (retryable ? ", retryable" : "");
    return new StoreException(message, retryable, e);
  }

  /**
   * Connection failures (08), too many connections and other resource shortages (53),
   * operator intervention such as a shutdown (57P), and serialization failures or deadlocks
   * (40) may succeed on retry; anything else is a bug or a broken schema.
   */
  static boolean isTransient(SQLException e) {
    if (e instanceof SQLTransientException) {
      return true;
    }
    String state = e.getSQLState();
    if (state == null) {
      return true; // the driver gives none for I/O failures before the server answered
    }
    return state.startsWith("08")
        || state.startsWith("53")
        || state.startsWith("57P")
        || state.startsWith("40");
  }
}
