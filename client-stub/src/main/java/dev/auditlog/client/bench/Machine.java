package dev.auditlog.client.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** What the benchmark ran on, for the report. */
final class Machine {
  private Machine() {}

  /** Cores, memory, CPU model, OS, JDK and load, in a stable order. */
  static Map<String, String> describe() {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("CPU", firstValue(Path.of("/proc/cpuinfo"), "model name"));
    m.put("cores (available to the JVM)",
        Integer.toString(Runtime.getRuntime().availableProcessors()));
    String mem = firstValue(Path.of("/proc/meminfo"), "MemTotal");
    m.put("memory", mem.endsWith("kB")
        ? Math.round(Long.parseLong(mem.replaceAll("\\D", "")) / 1048576.0) + " GiB" : mem);
    m.put("OS", System.getProperty("os.name") + " " + System.getProperty("os.version"));
    m.put("JDK", System.getProperty("java.vm.vendor") + " " + System.getProperty("java.vm.name")
        + " " + System.getProperty("java.runtime.version"));
    m.put("load average at the end of the run (1, 5, 15 min)", loadAverage());
    return m;
  }

  /** The 1, 5 and 15 minute load averages, or "unknown". */
  static String loadAverage() {
    try {
      String[] f = Files.readString(Path.of("/proc/loadavg")).split(" ");
      return f[0] + ", " + f[1] + ", " + f[2];
    } catch (IOException e) {
      return "unknown";
    }
  }

  private static String firstValue(Path file, String key) {
    try {
      for (String line : Files.readAllLines(file)) {
        if (line.startsWith(key)) {
          return line.substring(line.indexOf(':') + 1).trim();
        }
      }
    } catch (IOException e) {
      return "unknown";
    }
    return "unknown";
  }
}
