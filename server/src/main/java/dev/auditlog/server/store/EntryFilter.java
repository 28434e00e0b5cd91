package dev.auditlog.server.store;

import dev.auditlog.api.v1.Entry;
import dev.auditlog.api.v1.Outcome;

/**
 * What the entries of a List must match, besides the time window: each component is one
 * condition, null when it is not set, and an entry must meet every condition that is set.
 * Values are in their stored form (an exact action, user id, target or producer; the
 * outcome's proto name). Immutable; {@link #matches} is the reference semantics that every
 * {@link AuditStore} backend implements.
 *
 * @param action exactly this action
 * @param actionPrefix an action that starts with this text
 * @param userId exactly this user id
 * @param target exactly this target
 * @param outcome this outcome
 * @param producer exactly this producer
 * @param sourceIp a source address in this range (entries without one never match)
 */
public record EntryFilter(String action, String actionPrefix, String userId, String target,
    Outcome outcome, String producer, IpRange sourceIp) {

  /** No condition: every entry matches. */
  public static final EntryFilter NONE =
      new EntryFilter(null, null, null, null, null, null, null);

  public EntryFilter {
    if (outcome == Outcome.OUTCOME_UNSPECIFIED || outcome == Outcome.UNRECOGNIZED) {
      throw new IllegalArgumentException("outcome must be a known outcome, got " + outcome);
    }
    if (actionPrefix != null && actionPrefix.isEmpty()) {
      throw new IllegalArgumentException("actionPrefix must not be empty (null for none)");
    }
  }

  /** Entries with exactly {@code action}. */
  public static EntryFilter action(String action) {
    return NONE.withAction(action);
  }

  public EntryFilter withAction(String action) {
    return new EntryFilter(action, actionPrefix, userId, target, outcome, producer, sourceIp);
  }

  public EntryFilter withActionPrefix(String prefix) {
    return new EntryFilter(action, prefix, userId, target, outcome, producer, sourceIp);
  }

  public EntryFilter withUserId(String userId) {
    return new EntryFilter(action, actionPrefix, userId, target, outcome, producer, sourceIp);
  }

  public EntryFilter withTarget(String target) {
    return new EntryFilter(action, actionPrefix, userId, target, outcome, producer, sourceIp);
  }

  public EntryFilter withOutcome(Outcome outcome) {
    return new EntryFilter(action, actionPrefix, userId, target, outcome, producer, sourceIp);
  }

  public EntryFilter withProducer(String producer) {
    return new EntryFilter(action, actionPrefix, userId, target, outcome, producer, sourceIp);
  }

  public EntryFilter withSourceIp(IpRange sourceIp) {
    return new EntryFilter(action, actionPrefix, userId, target, outcome, producer, sourceIp);
  }

  /** True when {@code e} meets every condition that is set. */
  public boolean matches(Entry e) {
    return (action == null || action.equals(e.getAction()))
        && (actionPrefix == null || e.getAction().startsWith(actionPrefix))
        && (userId == null || userId.equals(e.getUserId()))
        && (target == null || target.equals(e.getTarget()))
        && (outcome == null || outcome == e.getOutcome())
        && (producer == null || producer.equals(e.getProducer()))
        && (sourceIp == null || sourceIp.contains(e.getSourceIp()));
  }
}
