package dev.auditlog.server.forward;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

/**
 * The forwarding configuration file ({@code --forwarding-config}), read and checked once at
 * start: every destination is built from it, so a bad key, a missing secret or an
 * unreadable CA file refuses the start with a message that names the key. Secrets come from
 * environment variables or files ({@link Settings#secret}), never from this file, and are
 * never logged. See docs/siem.md for the keys of each destination type.
 *
 * <pre>{@code
 * {
 *   "poll_interval_ms": 200,
 *   "destinations": [
 *     {"name": "opensearch", "type": "elastic", "url": "https://search:9200",
 *      "index": "audit", "batch_size": 500, "tls": {"ca_file": "/etc/audit/search-ca.pem"},
 *      "username": "audit", "password_env": "AUDIT_SEARCH_PASSWORD"}
 *   ]
 * }
 * }</pre>
 *
 * @param destinations each destination, built and ready to deliver
 * @param batchSizes the most records per delivery, per destination (same order)
 * @param poll how long an idle forwarder waits before it looks for new entries
 */
public record ForwardingConfig(List<Destination> destinations, List<Integer> batchSizes,
    Duration poll) {

  /** No forwarding. */
  public static final ForwardingConfig NONE = new ForwardingConfig(List.of(), List.of(),
      Duration.ofMillis(200));

  /**
   * Reads and checks {@code file}, building every destination.
   *
   * @throws IllegalArgumentException naming the key that is wrong
   * @throws IOException if the file cannot be read
   */
  public static ForwardingConfig read(Path file, Function<String, String> environment)
      throws IOException {
    JsonElement root;
    try {
      root = JsonParser.parseString(Files.readString(file, StandardCharsets.UTF_8));
    } catch (JsonParseException e) {
      throw new IllegalArgumentException(file + " is not JSON: " + e.getMessage(), e);
    }
    if (!root.isJsonObject()) {
      throw new IllegalArgumentException(file + " must hold one JSON object");
    }
    return parse(new Settings("", root.getAsJsonObject(), environment));
  }

  static ForwardingConfig parse(Settings top) {
    Duration poll = top.millis("poll_interval_ms", Duration.ofMillis(200), Duration.ofMillis(10),
        Duration.ofMinutes(1));
    JsonArray array = array(top);
    top.requireNoOtherKeys();
    List<Destination> destinations = new ArrayList<>();
    List<Integer> batchSizes = new ArrayList<>();
    Set<String> names = new HashSet<>();
    try {
      for (int i = 0; i < array.size(); i++) {
        String path = "destinations[" + i + "]";
        if (!array.get(i).isJsonObject()) {
          throw new IllegalArgumentException(path + " must be an object");
        }
        Settings s = new Settings(path, array.get(i).getAsJsonObject(), top.environment());
        String name = s.string("name");
        if (!name.matches("[a-z0-9][a-z0-9_-]{0,63}") || !names.add(name)) {
          throw s.invalid("name", "a unique name of 1..64 lowercase letters, digits, '_' and"
              + " '-', got '" + name + "'");
        }
        batchSizes.add(s.integer("batch_size", 500, 1, 10_000));
        destinations.add(Destinations.create(name, s.oneOf("type", null, Destinations.types()), s));
        s.requireNoOtherKeys();
      }
    } catch (RuntimeException e) {
      destinations.forEach(Destination::close);
      throw e;
    }
    return new ForwardingConfig(List.copyOf(destinations), List.copyOf(batchSizes), poll);
  }

  private static JsonArray array(Settings top) {
    JsonElement e = top.raw("destinations");
    if (e == null) {
      return new JsonArray();
    }
    if (!e.isJsonArray()) {
      throw top.invalid("destinations", "an array of destination objects");
    }
    return e.getAsJsonArray();
  }
}
