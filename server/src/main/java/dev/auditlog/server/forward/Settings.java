package dev.auditlog.server.forward;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * One object of the forwarding configuration file, read key by key: every getter's error
 * names the key by its path ({@code destinations[1].tls.ca_file must be ...}), and {@link
 * #requireNoOtherKeys()} refuses keys nobody read (a typo is an error, not a default).
 *
 * <p>Secrets are never in the file itself: {@link #secret} reads {@code <key>_env} (the name
 * of an environment variable) or {@code <key>_file} (a file holding the value). Secret values
 * appear in no message. Not thread-safe; used while the configuration is read.
 */
public final class Settings {
  private final String path;
  private final JsonObject object;
  private final Function<String, String> environment;
  private final Set<String> read = new HashSet<>();

  /**
   * @param path where this object is in the file, e.g. {@code destinations[1]}
   * @param environment looks up environment variables ({@code System::getenv})
   */
  public Settings(String path, JsonObject object, Function<String, String> environment) {
    this.path = path;
    this.object = object;
    this.environment = environment;
  }

  /** The path of {@code key}, for messages. */
  public String where(String key) {
    return path.isEmpty() ? key : path + "." + key;
  }

  /** A required string. */
  public String string(String key) {
    return optionalString(key).orElseThrow(() -> invalid(key, "required, a string"));
  }

  public Optional<String> optionalString(String key) {
    JsonElement e = get(key);
    if (e == null) {
      return Optional.empty();
    }
    if (!(e instanceof JsonPrimitive p) || !p.isString() || p.getAsString().isEmpty()) {
      throw invalid(key, "a non-empty string");
    }
    return Optional.of(p.getAsString());
  }

  /** A string, or {@code fallback} when the key is absent. */
  public String string(String key, String fallback) {
    return optionalString(key).orElse(fallback);
  }

  /** An integer in {@code [min, max]}, or {@code fallback} when absent. */
  public int integer(String key, int fallback, int min, int max) {
    JsonElement e = get(key);
    if (e == null) {
      return fallback;
    }
    try {
      if (e instanceof JsonPrimitive p && p.isNumber()) {
        long v = p.getAsBigDecimal().longValueExact();
        if (v >= min && v <= max) {
          return (int) v;
        }
      }
    } catch (ArithmeticException notAnInteger) {
      // reported below
    }
    throw invalid(key, "an integer from " + min + " to " + max + ", got " + e);
  }

  public boolean bool(String key, boolean fallback) {
    JsonElement e = get(key);
    if (e == null) {
      return fallback;
    }
    if (e instanceof JsonPrimitive p && p.isBoolean()) {
      return p.getAsBoolean();
    }
    throw invalid(key, "true or false, got " + e);
  }

  /** A duration in milliseconds, {@code key} ending in {@code _ms}; {@code fallback} if absent. */
  public Duration millis(String key, Duration fallback, Duration min, Duration max) {
    int ms = integer(key, (int) fallback.toMillis(), (int) min.toMillis(), (int) max.toMillis());
    return Duration.ofMillis(ms);
  }

  /** A readable file, or empty when the key is absent. */
  public Optional<Path> file(String key) {
    return optionalString(key).map(s -> {
      Path p = Path.of(s);
      if (!Files.isRegularFile(p) || !Files.isReadable(p)) {
        throw invalid(key, "a readable file, got '" + s + "'");
      }
      return p;
    });
  }

  /** One of {@code allowed}, or {@code fallback} when absent (null: required). */
  public String oneOf(String key, String fallback, Set<String> allowed) {
    String v = fallback == null ? string(key) : string(key, fallback);
    if (!allowed.contains(v)) {
      throw invalid(key, "one of " + new TreeSet<>(allowed) + ", got '" + v + "'");
    }
    return v;
  }

  /**
   * A secret, from {@code <key>_env} (an environment variable's name) or {@code <key>_file}
   * (a file whose content, without a trailing newline, is the secret): exactly one of them.
   */
  public String secret(String key) {
    return optionalSecret(key).orElseThrow(() ->
        invalid(key + "_env", "required (or " + where(key + "_file") + "): where the secret is"));
  }

  public Optional<String> optionalSecret(String key) {
    Optional<String> env = optionalString(key + "_env");
    Optional<String> file = optionalString(key + "_file");
    if (env.isPresent() && file.isPresent()) {
      throw invalid(key + "_env", "not together with " + where(key + "_file"));
    }
    if (get(key) != null) {
      throw invalid(key, "not allowed: secrets are read from " + key + "_env or " + key
          + "_file, never written into this file");
    }
    if (env.isPresent()) {
      String value = environment.apply(env.get());
      if (value == null || value.isEmpty()) {
        throw invalid(key + "_env", "an environment variable that is set, got '" + env.get()
            + "' (unset or empty)");
      }
      return Optional.of(value);
    }
    if (file.isPresent()) {
      try {
        String value = Files.readString(Path.of(file.get()), StandardCharsets.UTF_8).strip();
        if (value.isEmpty()) {
          throw invalid(key + "_file", "a file holding the secret, got an empty one");
        }
        return Optional.of(value);
      } catch (IOException e) {
        throw invalid(key + "_file", "a readable file, got '" + file.get() + "'");
      }
    }
    return Optional.empty();
  }

  /** A nested object, empty when absent. */
  public Settings object(String key) {
    JsonElement e = get(key);
    if (e == null) {
      return new Settings(where(key), new JsonObject(), environment);
    }
    if (!e.isJsonObject()) {
      throw invalid(key, "an object");
    }
    return new Settings(where(key), e.getAsJsonObject(), environment);
  }

  /** Refuses keys that no getter read: a misspelled key must not silently default. */
  public void requireNoOtherKeys() {
    requireNoOtherKeys("the forwarding configuration");
  }

  /** Like {@link #requireNoOtherKeys()}, naming the file as {@code what}. */
  public void requireNoOtherKeys(String what) {
    Set<String> unknown = new TreeSet<>();
    for (Map.Entry<String, JsonElement> e : object.entrySet()) {
      if (!read.contains(e.getKey())) {
        unknown.add(where(e.getKey()));
      }
    }
    if (!unknown.isEmpty()) {
      throw new IllegalArgumentException("unknown keys in " + what + ": " + unknown);
    }
  }

  /** The raw value of {@code key}, or null; marks it read. */
  public JsonElement raw(String key) {
    return get(key);
  }

  /** How environment variables are looked up, for nested settings. */
  Function<String, String> environment() {
    return environment;
  }

  private JsonElement get(String key) {
    read.add(key);
    JsonElement e = object.get(key);
    return e == null || e.isJsonNull() ? null : e;
  }

  /** An error naming {@code key} and what was expected. */
  public IllegalArgumentException invalid(String key, String expected) {
    return new IllegalArgumentException(where(key) + " must be " + expected);
  }
}
