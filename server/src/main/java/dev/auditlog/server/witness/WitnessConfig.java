package dev.auditlog.server.witness;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import dev.auditlog.integrity.tlog.CosignatureVerifier;
import dev.auditlog.server.forward.HttpDestinations;
import dev.auditlog.server.forward.Settings;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The witnesses file ({@code --witness-config}), read and checked once at start; a bad key
 * refuses the start with a message that names it. See docs/merkle-tree.md.
 *
 * <pre>{@code
 * {
 *   "timeout_ms": 10000,
 *   "witnesses": [
 *     {"url": "https://witness.example/w1",
 *      "key": "witness.example/w1+1c2b3a4d+BLXvn...=",
 *      "tls": {"ca_file": "/etc/audit/witness-ca.pem"}}
 *   ]
 * }
 * }</pre>
 *
 * @param witnesses the witnesses each new checkpoint is sent to
 */
public record WitnessConfig(List<WitnessEndpoint> witnesses) {
  /** No witnesses. */
  public static final WitnessConfig NONE = new WitnessConfig(List.of());

  public WitnessConfig {
    witnesses = List.copyOf(witnesses);
  }

  /**
   * Reads and checks {@code file}.
   *
   * @throws IllegalArgumentException naming the key that is wrong
   * @throws IOException if the file cannot be read
   */
  public static WitnessConfig read(Path file) throws IOException {
    JsonElement root;
    try {
      root = JsonParser.parseString(Files.readString(file, StandardCharsets.UTF_8));
    } catch (JsonParseException e) {
      throw new IllegalArgumentException(file + " is not JSON: " + e.getMessage(), e);
    }
    if (!root.isJsonObject()) {
      throw new IllegalArgumentException(file + " must hold a JSON object");
    }
    Settings top = new Settings("", root.getAsJsonObject(), System::getenv);
    Duration timeout = top.millis("timeout_ms", Duration.ofSeconds(10), Duration.ofMillis(100),
        Duration.ofMinutes(5));
    JsonElement list = top.raw("witnesses");
    if (list == null || !list.isJsonArray() || list.getAsJsonArray().isEmpty()) {
      throw top.invalid("witnesses", "a non-empty array of {\"url\", \"key\"} objects");
    }
    List<WitnessEndpoint> witnesses = new ArrayList<>();
    Set<String> names = new HashSet<>();
    JsonArray array = list.getAsJsonArray();
    for (int i = 0; i < array.size(); i++) {
      if (!array.get(i).isJsonObject()) {
        throw top.invalid("witnesses[" + i + "]", "an object");
      }
      Settings w = new Settings("witnesses[" + i + "]", array.get(i).getAsJsonObject(),
          System::getenv);
      CosignatureVerifier key;
      try {
        key = CosignatureVerifier.parse(w.string("key"));
      } catch (IllegalArgumentException e) {
        throw w.invalid("key", "a witness's cosignature verifier key"
            + " (name+keyid+base64 of 0x04 and the Ed25519 key): " + e.getMessage());
      }
      if (!names.add(key.name())) {
        throw w.invalid("key", "a witness named once, but '" + key.name() + "' repeats");
      }
      URI url = HttpDestinations.baseUrl(w, "url");
      HttpClient http = HttpDestinations.client(w, timeout);
      w.requireNoOtherKeys("the witness configuration");
      witnesses.add(new WitnessEndpoint(key, url, http, timeout));
    }
    top.requireNoOtherKeys("the witness configuration");
    return new WitnessConfig(witnesses);
  }
}
