package dev.auditlog.client.cli;

import com.google.gson.JsonElement;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import dev.auditlog.api.v1.GetConsistencyProofRequest;
import dev.auditlog.api.v1.GetConsistencyProofResponse;
import dev.auditlog.client.AuditClient;
import dev.auditlog.integrity.tlog.Merkle;
import dev.auditlog.integrity.tlog.Note;
import dev.auditlog.integrity.tlog.NoteVerifier;
import dev.auditlog.integrity.tlog.TlogCheckpoint;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code audit consistency OLD [NEW] --verifier-key VKEY [-o FILE]}: checks that the log's
 * tree of a checkpoint you kept (OLD) is a prefix of a later one (NEW, or the server's newest),
 * with the consistency proof the server sends: nothing of the first entries was changed or
 * removed since. Both checkpoints must be signed by the verifier key. Prints one line and
 * exits 0 when the proof holds, 1 when it does not or the server has no signed tree as large
 * as OLD's, 2 when a file or key cannot be read or is not signed by the key.
 */
@Command(name = "consistency", mixinStandardHelpOptions = true, sortOptions = false,
    description = {
        "Check that the log only grew since a checkpoint you kept: the server's consistency"
            + " proof from OLD's tree to NEW's (or to its newest signed tree).",
        "OLD and NEW are files holding a checkpoint note ('audit checkpoint --note'), or"
            + " starting with a checkpoint line ('audit checkpoint', the end of an export).",
        "Reads as certs-dev/auditor.* unless --cert/--key say otherwise."})
final class ConsistencyCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin Connection connection;
  @Mixin LogOption log;

  @Parameters(index = "0", paramLabel = "OLD", description = "The checkpoint you kept.")
  Path oldFile;

  @Parameters(index = "1", arity = "0..1", paramLabel = "NEW",
      description = "A later checkpoint; without it, the server's newest.")
  Path newFile;

  @Option(names = "--verifier-key", required = true, paramLabel = "VKEY",
      description = "The log's verifier key, obtained out of band: both checkpoints must be"
          + " signed by it.")
  String verifierKey;

  @Option(names = {"-o", "--output"}, paramLabel = "FILE",
      description = "Write the newer checkpoint's note here once the proof holds, to keep for"
          + " the next check.")
  Path output;

  @Override
  public Integer call() throws IOException {
    NoteVerifier key = Keys.verifierKey("--verifier-key", verifierKey);
    Signed old = read(oldFile, "OLD", key);
    if (old.body().size() < 1) {
      throw new IllegalArgumentException("OLD " + oldFile + " is of the empty tree, a prefix"
          + " of every tree: nothing to prove");
    }
    Signed given = newFile == null ? null : read(newFile, "NEW", key);
    GetConsistencyProofResponse r;
    try (AuditClient client = connection.connect("auditor")) {
      r = client.consistencyProof(GetConsistencyProofRequest.newBuilder()
          .setOldSize(old.body().size()).setLogId(log.id())
          .setNewSize(given == null ? 0 : given.body().size()).build());
    } catch (StatusRuntimeException e) {
      return refused(e, old);
    }
    Signed newer = given != null ? given : served(r, key);
    if (newer == null || newer.body().size() != r.getNewSize()) {
      return failed("the server answered for tree size " + r.getNewSize() + " without a note"
          + " of that size signed by the verifier key");
    }
    return check(old, newer, r);
  }

  private int check(Signed old, Signed newer, GetConsistencyProofResponse r) throws IOException {
    List<byte[]> proof = new ArrayList<>(r.getHashesCount());
    r.getHashesList().forEach(h -> proof.add(h.toByteArray()));
    TlogCheckpoint from = old.body();
    TlogCheckpoint to = newer.body();
    if (!Merkle.verifyConsistency(from.size(), to.size(), from.rootHash(), to.rootHash(),
        proof)) {
      return failed("INCONSISTENT: the proof does not show the tree of size " + from.size()
          + " " + root(old) + " to be a prefix of the tree of size " + to.size() + " "
          + root(newer) + ": the log's first entries were changed, or the proof is wrong");
    }
    if (output != null) {
      Files.writeString(output, newer.note().format(), StandardCharsets.UTF_8);
    }
    print("OK: the tree of size " + from.size() + " " + root(old) + " of log '"
        + from.origin() + "' is a prefix of the tree of size " + to.size() + " "
        + root(newer) + ", both signed by " + from.origin());
    return ExitCodes.OK;
  }

  /** The server refused OLD's size: it has no signed tree that large, which is a failure. */
  private int refused(StatusRuntimeException e, Signed old) {
    Status.Code code = e.getStatus().getCode();
    if (code != Status.Code.OUT_OF_RANGE && code != Status.Code.INVALID_ARGUMENT) {
      throw e;
    }
    return failed("NOT_EXTENDED: the server has no signed tree extending the one of size "
        + old.body().size() + " (" + code + ": " + e.getStatus().getDescription() + ")");
  }

  private int failed(String message) {
    print("FAILED: " + message);
    return ExitCodes.FAILURE;
  }

  private void print(String line) {
    PrintWriter out = spec.commandLine().getOut();
    out.println(line);
    out.flush();
  }

  private static String root(Signed s) {
    return "(root " + Base64.getEncoder().encodeToString(s.body().rootHash()) + ")";
  }

  /** The server's newer checkpoint, if it sent one signed by the key. */
  private static Signed served(GetConsistencyProofResponse r, NoteVerifier key) {
    if (!r.hasNewCheckpoint() || r.getNewCheckpoint().getNote().isEmpty()) {
      return null;
    }
    try {
      Signed s = signed(r.getNewCheckpoint().getNote(), key);
      return s.body().size() == r.getNewSize() ? s : null;
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  /** The checkpoint note in {@code file}, which must be signed by {@code key}. */
  private static Signed read(Path file, String what, NoteVerifier key) throws IOException {
    String text = Files.readString(file, StandardCharsets.UTF_8);
    try {
      return signed(text.startsWith("{") ? noteOf(text.lines().findFirst().orElse("")) : text,
          key);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(what + " " + file + ": " + e.getMessage(), e);
    }
  }

  /** The note of a checkpoint line. */
  private static String noteOf(String line) {
    JsonElement note;
    try {
      JsonElement json = JsonParser.parseString(line);
      note = json.isJsonObject() ? json.getAsJsonObject().get("note") : null;
    } catch (JsonParseException e) {
      note = null;
    }
    if (note == null || !note.isJsonPrimitive() || !note.getAsJsonPrimitive().isString()) {
      throw new IllegalArgumentException("its first line is no checkpoint line with a note");
    }
    return note.getAsString();
  }

  private static Signed signed(String text, NoteVerifier key) {
    Note note = Note.parse(text);
    TlogCheckpoint body = TlogCheckpoint.parse(note.text());
    if (!body.origin().equals(key.name()) || !key.verifies(note)) {
      throw new IllegalArgumentException("not a checkpoint of log '" + key.name()
          + "' signed by the verifier key");
    }
    return new Signed(note, body);
  }

  private record Signed(Note note, TlogCheckpoint body) {}
}
