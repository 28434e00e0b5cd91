package dev.auditlog.server.tls;

import java.util.Set;

/**
 * Which certificate identities may append events and which may read entries. Identities
 * are compared exactly. Immutable.
 */
public record AccessPolicy(Set<String> appenders, Set<String> readers) {

  /** What a call needs. */
  public enum Permission {
    APPEND,
    READ,
    /** Any caller with a certificate the server trusts (health checks, reflection). */
    AUTHENTICATED,
    /** Nobody: methods the policy does not know are refused. */
    NONE
  }

  public AccessPolicy {
    appenders = Set.copyOf(appenders);
    readers = Set.copyOf(readers);
  }

  /** Whether {@code identity} holds {@code permission}. */
  public boolean permits(String identity, Permission permission) {
    return switch (permission) {
      case APPEND -> appenders.contains(identity);
      case READ -> readers.contains(identity);
      case AUTHENTICATED -> true;
      case NONE -> false;
    };
  }
}
