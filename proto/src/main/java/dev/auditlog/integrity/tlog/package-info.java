/**
 * Transparency-log primitives shared by the server and its verifiers, JDK only.
 *
 * <p>Beside each log's hash chain sits an RFC 6962 / RFC 9162 Merkle tree whose leaf {@code
 * i} is the entry with {@code seq = i + 1} ({@link Merkle}, {@link TreeFrontier}, {@link
 * NodeReader}). Its tree heads are published as C2SP checkpoints ({@link TlogCheckpoint}),
 * signed notes ({@link Note}) signed by the log ({@link NoteSigner}, {@link NoteVerifier})
 * and cosigned by witnesses ({@link CosignatureSigner}, {@link CosignatureVerifier}); an
 * offline receipt is a c2sp.org/tlog-proof ({@link TlogProof}). The formats are those Go's
 * {@code golang.org/x/mod/sumdb/note} and {@code sumdb/tlog} read, and the tests check that
 * they do.
 */
package dev.auditlog.integrity.tlog;
