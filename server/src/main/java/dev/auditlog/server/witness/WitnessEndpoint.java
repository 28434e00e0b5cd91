package dev.auditlog.server.witness;

import dev.auditlog.integrity.tlog.CosignatureVerifier;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;

/**
 * One witness, as c2sp.org/tlog-witness defines it: a key (which verifies its
 * cosignatures) and a submission URL, to which the log posts {@code add-checkpoint}
 * requests. Immutable and thread-safe.
 */
public final class WitnessEndpoint {
  private static final int MAX_RESPONSE_CHARS = 64 * 1024;

  private final CosignatureVerifier key;
  private final URI addCheckpoint;
  private final HttpClient http;
  private final Duration timeout;

  /**
   * @param key the witness's cosignature verifier key; its name names the witness
   * @param submissionPrefix the witness's submission prefix: {@code /add-checkpoint} is
   *     appended
   */
  public WitnessEndpoint(CosignatureVerifier key, URI submissionPrefix, HttpClient http,
      Duration timeout) {
    this.key = key;
    String prefix = submissionPrefix.toString();
    this.addCheckpoint = URI.create(
        (prefix.endsWith("/") ? prefix.substring(0, prefix.length() - 1) : prefix)
            + "/add-checkpoint");
    this.http = http;
    this.timeout = timeout;
  }

  /** The witness's key name. */
  public String name() {
    return key.name();
  }

  public CosignatureVerifier key() {
    return key;
  }

  public URI addCheckpointUri() {
    return addCheckpoint;
  }

  /** What a witness answered to {@code add-checkpoint}. */
  public sealed interface Answer {}

  /** 200: the response body, signature lines to add to the note. */
  public record Cosigned(String signatureLines) implements Answer {}

  /** 409 with {@code text/x.tlog.size}: the witness's latest cosigned size is another one. */
  public record OtherSize(long size) implements Answer {}

  /** Any other status, with the start of the body. */
  public record Refused(int status, String body) implements Answer {}

  /**
   * Posts {@code add-checkpoint}: the old size line, the consistency proof lines, a blank line
   * and the signed checkpoint note.
   *
   * @throws IOException if the witness cannot be reached or does not answer in time
   */
  public Answer addCheckpoint(long oldSize, List<byte[]> proof, String signedNote)
      throws IOException, InterruptedException {
    StringBuilder body = new StringBuilder("old ").append(oldSize).append('\n');
    for (byte[] hash : proof) {
      body.append(Base64.getEncoder().encodeToString(hash)).append('\n');
    }
    body.append('\n').append(signedNote);
    HttpRequest request = HttpRequest.newBuilder(addCheckpoint)
        .timeout(timeout)
        .header("Content-Type", "text/plain; charset=utf-8")
        .POST(HttpRequest.BodyPublishers.ofString(body.toString(), StandardCharsets.UTF_8))
        .build();
    HttpResponse<String> response =
        http.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    String text = response.body() == null ? "" : response.body();
    String clipped = text.length() > MAX_RESPONSE_CHARS
        ? text.substring(0, MAX_RESPONSE_CHARS) : text;
    if (response.statusCode() == 200) {
      return new Cosigned(clipped);
    }
    if (response.statusCode() == 409 && response.headers().firstValue("Content-Type")
        .map(t -> t.equals("text/x.tlog.size")).orElse(false)
        && clipped.matches("(0|[1-9][0-9]{0,18})\n")) {
      return new OtherSize(Long.parseLong(clipped.strip()));
    }
    return new Refused(response.statusCode(), clipped.length() > 200
        ? clipped.substring(0, 200) : clipped);
  }

  @Override
  public String toString() {
    return name() + " at " + addCheckpoint;
  }
}
