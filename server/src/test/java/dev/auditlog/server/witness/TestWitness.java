package dev.auditlog.server.witness;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.auditlog.integrity.Ed25519Keys;
import dev.auditlog.integrity.tlog.CosignatureSigner;
import dev.auditlog.integrity.tlog.Merkle;
import dev.auditlog.integrity.tlog.Note;
import dev.auditlog.integrity.tlog.NoteVerifier;
import dev.auditlog.integrity.tlog.TlogCheckpoint;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A witness of our own for tests, speaking c2sp.org/tlog-witness {@code add-checkpoint} over
 * HTTP on loopback, with the checks of the spec in its order: it cosigns a checkpoint only
 * if the log's key signed it and a consistency proof links it to the tree it cosigned last,
 * so it never cosigns two inconsistent trees of one origin. State is kept in memory.
 */
public final class TestWitness implements AutoCloseable {
  private record Tree(long size, byte[] root) {}

  private final CosignatureSigner signer;
  private final Map<String, NoteVerifier> logs = new HashMap<>();
  private final Map<String, Tree> cosigned = new HashMap<>();
  private final List<Integer> answers = new ArrayList<>();
  private final HttpServer http;

  /** A witness named {@code name} with a new key, trusting {@code logs} (verifier keys). */
  public TestWitness(String name, List<String> logVerifierKeys) throws IOException {
    KeyPair pair = Ed25519Keys.generate();
    this.signer = new CosignatureSigner(name, pair.getPrivate());
    for (String vkey : logVerifierKeys) {
      NoteVerifier v = NoteVerifier.parse(vkey);
      logs.put(v.name(), v);
    }
    http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    http.createContext("/w/add-checkpoint", this::addCheckpoint);
    http.start();
  }

  /** The submission prefix. */
  public URI url() {
    return URI.create("http://127.0.0.1:" + http.getAddress().getPort() + "/w");
  }

  /** This witness's cosignature verifier key. */
  public String verifierKey() {
    return signer.verifierKey();
  }

  /** The HTTP status of every answer so far, in order. */
  public synchronized List<Integer> answers() {
    return List.copyOf(answers);
  }

  /** The tree size it cosigned last for {@code origin}, 0 if none. */
  public synchronized long cosignedSize(String origin) {
    Tree t = cosigned.get(origin);
    return t == null ? 0 : t.size();
  }

  private void addCheckpoint(HttpExchange exchange) throws IOException {
    try (exchange) {
      if (!exchange.getRequestMethod().equals("POST")) {
        respond(exchange, 405, "text/plain", "POST only\n");
        return;
      }
      String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
      String[] answer = answer(body);
      respond(exchange, Integer.parseInt(answer[0]), answer[1], answer[2]);
    }
  }

  /** Status, content type and body for a request body. */
  private synchronized String[] answer(String body) {
    int blank = body.indexOf("\n\n");
    if (!body.startsWith("old ") || blank < 0) {
      return bad(400, "malformed request");
    }
    String[] head = body.substring(0, blank).split("\n", -1);
    if (!head[0].matches("old (0|[1-9][0-9]*)")) {
      return bad(400, "malformed old size line");
    }
    long old = Long.parseLong(head[0].substring(4));
    List<byte[]> proof = new ArrayList<>();
    for (int i = 1; i < head.length; i++) {
      try {
        proof.add(Base64.getDecoder().decode(head[i]));
      } catch (IllegalArgumentException e) {
        return bad(400, "malformed proof line");
      }
    }
    Note note;
    TlogCheckpoint checkpoint;
    try {
      note = Note.parse(body.substring(blank + 2));
      checkpoint = TlogCheckpoint.parse(note.text());
    } catch (IllegalArgumentException e) {
      return bad(400, "malformed checkpoint: " + e.getMessage());
    }
    NoteVerifier log = logs.get(checkpoint.origin());
    if (log == null) {
      return bad(404, "unknown origin");
    }
    if (!log.verifies(note)) {
      return bad(403, "no valid signature of the log");
    }
    if (old > checkpoint.size()) {
      return bad(400, "old size above the checkpoint size");
    }
    Tree known = cosigned.get(checkpoint.origin());
    long knownSize = known == null ? 0 : known.size();
    if (old != knownSize) {
      answers.add(409);
      return new String[] {"409", "text/x.tlog.size", knownSize + "\n"};
    }
    if (old == 0 && !proof.isEmpty()) {
      return bad(400, "a proof from size 0");
    }
    if (old == checkpoint.size() && old > 0) {
      if (!Arrays.equals(known.root(), checkpoint.rootHash())) {
        return bad(409, "same size, another root");
      }
    } else if (old > 0 && !Merkle.verifyConsistency(old, checkpoint.size(), known.root(),
        checkpoint.rootHash(), proof)) {
      return bad(422, "the consistency proof does not verify");
    }
    cosigned.put(checkpoint.origin(), new Tree(checkpoint.size(), checkpoint.rootHash()));
    answers.add(200);
    long now = System.currentTimeMillis() / 1000;
    return new String[] {"200", "text/plain; charset=utf-8",
        signer.signature(note.text(), now).line() + "\n"};
  }

  private String[] bad(int status, String why) {
    answers.add(status);
    return new String[] {String.valueOf(status), "text/plain; charset=utf-8", why + "\n"};
  }

  private static void respond(HttpExchange exchange, int status, String type, String body)
      throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", type);
    exchange.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  @Override
  public void close() {
    http.stop(0);
  }
}
