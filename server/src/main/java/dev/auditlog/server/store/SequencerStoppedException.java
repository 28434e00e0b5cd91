package dev.auditlog.server.store;

/**
 * The sequencer takes no more appends: it is closing, or it failed and the server is
 * stopping. Nothing of the refused appends was queued; another server (or this one, once
 * restarted) takes them, and a retry with the same event id is stored once.
 */
public final class SequencerStoppedException extends Exception {
  private static final long serialVersionUID = 1L;

  SequencerStoppedException(String message, Throwable cause) {
    super(message, cause);
  }
}
