package dev.auditlog.server.store;

/**
 * One entry as the Merkle tree reads it: its entry hash (the leaf's input) and its chain
 * hash, 32 raw bytes each (not copied).
 */
public record Leaf(byte[] entryHash, byte[] chainHash) {}
