package dev.auditlog.server.tls;

import java.util.Set;

/**
 * Which certificate identities may append events, which may read entries, and which may
 * administer forwarding (replay, resume). Identities are compared exactly. Immutable.
 */
public record AccessPolicy(Set<String> appenders, Set<String> readers, Set<String> admins) {

  /** What a call needs. */
  public enum Permission {
    APPEND,
    READ,
    /** Operations on forwarding: replaying a destination, resuming a paused one. */
    ADMIN,
    /** Any caller with a certificate the server trusts (health checks, reflection). */
    AUTHENTICATED,
    /** Nobody: methods the policy does not know are refused. */
    NONE
  }

  public AccessPolicy {
    appenders = Set.copyOf(appenders);
    readers = Set.copyOf(readers);
    admins = Set.copyOf(admins);
  }

  /** Whether {@code identity} holds {@code permission}. */
  public boolean permits(String identity, Permission permission) {
    return switch (permission) {
      case APPEND -> appenders.contains(identity);
      case READ -> readers.contains(identity);
      case ADMIN -> admins.contains(identity);
      case AUTHENTICATED -> true;
      case NONE -> false;
    };
  }
}
