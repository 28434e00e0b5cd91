package dev.auditlog.server.tree;

/**
 * The log's Merkle tree does not match what was signed or stored before: entries or tiles
 * were changed behind the server's back. The server must not sign or prove anything of
 * the tree until an operator has looked.
 */
public final class TreeMismatchException extends Exception {
  private static final long serialVersionUID = 1L;

  public TreeMismatchException(String message, Throwable cause) {
    super(message, cause);
  }
}
