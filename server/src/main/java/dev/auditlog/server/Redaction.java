package dev.auditlog.server;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Keeps the passwords the server was given out of what it prints when it cannot start: the
 * values of {@code --db-password} and {@code --db-owner-password}, the passwords of
 * {@code --database-password} and {@code --database-owner-password} (and their environment
 * variables), and of any {@code password=} parameter of a URL. Messages are built without
 * them in the first place; this is the net under the libraries whose messages the server
 * passes on.
 */
final class Redaction {
  static final String MASK = "***";

  private static final Pattern URL_PASSWORD = Pattern.compile("(?i)password=([^&\\s']*)");

  private Redaction() {}

  /**
   * The secrets in a command line and an environment: the argument after any option whose
   * name mentions a password, the value of {@code --option=value} forms of those, the
   * password environment variables, and URL password parameters in any of them.
   */
  static List<String> secrets(String[] args, Map<String, String> environment) {
    List<String> secrets = new ArrayList<>();
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      boolean passwordOption =
          arg.startsWith("-") && arg.toLowerCase(Locale.ROOT).contains("password");
      if (passwordOption && arg.contains("=")) {
        secrets.addAll(namedPasswords(arg.substring(arg.indexOf('=') + 1)));
      } else if (passwordOption && i + 1 < args.length) {
        secrets.addAll(namedPasswords(args[i + 1]));
      }
      secrets.addAll(urlPasswords(arg));
    }
    for (String name : List.of("AUDIT_DB_PASSWORD", "AUDIT_DB_OWNER_PASSWORD")) {
      secrets.add(environment.getOrDefault(name, ""));
    }
    for (String name : List.of("AUDIT_DATABASE_PASSWORDS", "AUDIT_DATABASE_OWNER_PASSWORDS")) {
      for (String value : environment.getOrDefault(name, "").split(",")) {
        secrets.addAll(namedPasswords(value));
      }
    }
    secrets.addAll(urlPasswords(environment.getOrDefault("AUDIT_DB_URL", "")));
    secrets.addAll(urlPasswords(environment.getOrDefault("AUDIT_DATABASES", "")));
    return secrets.stream().filter(s -> !s.isEmpty()).distinct().toList();
  }

  /**
   * A password option's value as a secret, and, for the {@code NAME=PASSWORD} values of
   * {@code --database-password}, the passwords after the names (comma-separated ones too).
   */
  private static List<String> namedPasswords(String value) {
    List<String> found = new ArrayList<>(List.of(value));
    for (String part : value.split(",")) {
      int eq = part.indexOf('=');
      found.add(eq < 0 ? part : part.substring(eq + 1));
    }
    return found;
  }

  private static List<String> urlPasswords(String text) {
    List<String> found = new ArrayList<>();
    Matcher m = URL_PASSWORD.matcher(text);
    while (m.find()) {
      found.add(m.group(1));
    }
    return found;
  }

  /** {@code text} with every occurrence of each secret replaced by {@value #MASK}. */
  static String redact(String text, Collection<String> secrets) {
    String redacted = text;
    for (String secret : secrets) {
      redacted = redacted.replace(secret, MASK);
    }
    return redacted;
  }
}
