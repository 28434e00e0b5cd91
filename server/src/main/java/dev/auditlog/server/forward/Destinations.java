package dev.auditlog.server.forward;

import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The destination types the forwarding configuration knows, each made from its settings by
 * a factory that reads (and so checks) every key it uses.
 */
final class Destinations {
  /** Makes a destination named {@code name} from its settings; errors name the key. */
  interface Factory {
    Destination create(String name, Settings settings);
  }

  private static final Map<String, Factory> FACTORIES = new TreeMap<>(Map.of(
      "elastic", ElasticDestination::create,
      "splunk-hec", SplunkHecDestination::create,
      "sentinel", SentinelDestination::create,
      "syslog", SyslogDestination::create));

  private Destinations() {}

  static Set<String> types() {
    return FACTORIES.keySet();
  }

  static Destination create(String name, String type, Settings settings) {
    return FACTORIES.get(type).create(name, settings);
  }
}
