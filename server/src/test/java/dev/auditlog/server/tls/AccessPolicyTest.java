package dev.auditlog.server.tls;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.auditlog.server.tls.AccessPolicy.Permission;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Grants per log: the flags of one log hold for the default log, per-log grants and '*'. */
class AccessPolicyTest {
  private final AccessPolicy policy = new AccessPolicy(List.of("main", "a", "b"),
      Set.of("backend"), Set.of("auditor"), Set.of("admin"),
      Map.of("a", Set.of("producer-a"), "*", Set.of("backend-all")),
      Map.of("a", Set.of("auditor-a"), "*", Set.of("compliance")));

  @Test
  void appendersAndReaders_holdForTheDefaultLogOnly() {
    assertTrue(policy.permits("backend", Permission.APPEND, "main"));
    assertFalse(policy.permits("backend", Permission.APPEND, "a"));
    assertTrue(policy.permits("auditor", Permission.READ, "main"));
    assertFalse(policy.permits("auditor", Permission.READ, "b"));
  }

  @Test
  void aLogsGrants_holdForThatLogOnly() {
    assertTrue(policy.permits("producer-a", Permission.APPEND, "a"));
    assertFalse(policy.permits("producer-a", Permission.APPEND, "b"));
    assertFalse(policy.permits("producer-a", Permission.APPEND, "main"));
    assertTrue(policy.permits("auditor-a", Permission.READ, "a"));
    assertFalse(policy.permits("auditor-a", Permission.READ, "b"));
    assertFalse(policy.permits("auditor-a", Permission.APPEND, "a"));
  }

  @Test
  void grantsOfStar_holdForEveryLog() {
    for (String log : List.of("main", "a", "b")) {
      assertTrue(policy.permits("backend-all", Permission.APPEND, log), log);
      assertTrue(policy.permits("compliance", Permission.READ, log), log);
      assertFalse(policy.permits("compliance", Permission.APPEND, log), log);
    }
  }

  @Test
  void aPermissionOnSomeLog_isWhatTheMethodNeedsBeforeTheRequestIsRead() {
    assertTrue(policy.permits("producer-a", Permission.APPEND));
    assertTrue(policy.permits("auditor-a", Permission.READ));
    assertFalse(policy.permits("auditor-a", Permission.APPEND));
    assertFalse(policy.permits("intruder", Permission.READ));
    assertTrue(policy.permits("admin", Permission.ADMIN, "a"));
  }

  @Test
  void servesTheConfiguredLogs_theFirstBeingTheDefault() {
    assertTrue(policy.serves("b"));
    assertFalse(policy.serves("c"));
    assertFalse(policy.serves("*"));
    assertTrue(policy.defaultLog().equals("main"));
  }
}
