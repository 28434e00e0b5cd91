package dev.auditlog.server.store;

import dev.auditlog.api.v1.Checkpoint;

/**
 * A stored checkpoint with the id that orders the checkpoints of a log as they were made.
 *
 * @param id increasing in the order checkpoints were stored
 */
public record StoredCheckpoint(long id, Checkpoint checkpoint) {}
