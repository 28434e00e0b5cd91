package dev.auditlog.server.tls;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Which certificate identities may append events to which logs, which may read which logs,
 * and which may administer forwarding (replay, resume). Identities and logs are compared
 * exactly. Immutable.
 *
 * <p>{@code appenders} and {@code readers} (the {@code --appenders} and {@code --readers} of
 * a server with one log) hold for the default log only: a log added later is open to nobody
 * until a grant names it. {@code logAppenders} and {@code logReaders} grant per log, the log
 * {@value #ALL_LOGS} meaning every log the server serves.
 *
 * @param logs the logs the server serves, the default one first
 */
public record AccessPolicy(List<String> logs, Set<String> appenders, Set<String> readers,
    Set<String> admins, Map<String, Set<String>> logAppenders,
    Map<String, Set<String>> logReaders) {
  /** The log name of a grant that holds for every log. */
  public static final String ALL_LOGS = "*";

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
    if (logs.isEmpty()) {
      throw new IllegalArgumentException("an access policy needs the default log");
    }
    logs = List.copyOf(logs);
    appenders = Set.copyOf(appenders);
    readers = Set.copyOf(readers);
    admins = Set.copyOf(admins);
    logAppenders = Map.copyOf(logAppenders);
    logReaders = Map.copyOf(logReaders);
  }

  /** A policy for a server with the one log {@code defaultLog}. */
  public static AccessPolicy singleLog(String defaultLog, Set<String> appenders,
      Set<String> readers, Set<String> admins) {
    return new AccessPolicy(List.of(defaultLog), appenders, readers, admins, Map.of(),
        Map.of());
  }

  /** The log of requests that name none. */
  public String defaultLog() {
    return logs.get(0);
  }

  /** Whether the server serves {@code log}. */
  public boolean serves(String log) {
    return logs.contains(log);
  }

  /** Whether {@code identity} holds {@code permission} on at least one log. */
  public boolean permits(String identity, Permission permission) {
    return switch (permission) {
      case APPEND -> appenders.contains(identity) || grantedSomewhere(logAppenders, identity);
      case READ -> readers.contains(identity) || grantedSomewhere(logReaders, identity);
      case ADMIN -> admins.contains(identity);
      case AUTHENTICATED -> true;
      case NONE -> false;
    };
  }

  /** Whether {@code identity} holds {@code permission} on {@code log}, a log served here. */
  public boolean permits(String identity, Permission permission, String log) {
    boolean isDefault = log.equals(defaultLog());
    return switch (permission) {
      case APPEND -> isDefault && appenders.contains(identity)
          || granted(logAppenders, log, identity);
      case READ -> isDefault && readers.contains(identity) || granted(logReaders, log, identity);
      case ADMIN -> admins.contains(identity);
      case AUTHENTICATED -> true;
      case NONE -> false;
    };
  }

  private static boolean granted(Map<String, Set<String>> grants, String log, String identity) {
    return grants.getOrDefault(log, Set.of()).contains(identity)
        || grants.getOrDefault(ALL_LOGS, Set.of()).contains(identity);
  }

  private static boolean grantedSomewhere(Map<String, Set<String>> grants, String identity) {
    return grants.values().stream().anyMatch(identities -> identities.contains(identity));
  }
}
