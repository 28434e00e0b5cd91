package dev.auditlog.client.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * CPU time of a process, read from Linux {@code /proc/<pid>/stat}. For a process tree
 * such as a PostgreSQL postmaster, {@link #treeSeconds} adds the children that still run
 * and those the process already reaped ({@code cutime}, {@code cstime}), so backends that
 * came and went are counted too. Where {@code /proc} is missing, every reading is NaN.
 */
final class ProcessCpu {
  // USER_HZ: 100 on every Linux architecture Java runs on.
  private static final double TICKS_PER_SECOND = 100.0;

  private ProcessCpu() {}

  /** User plus system CPU seconds of {@code pid} (all its threads), or NaN. */
  static double seconds(long pid) {
    long[] f = fields(pid);
    return f == null ? Double.NaN : (f[0] + f[1]) / TICKS_PER_SECOND;
  }

  /** CPU seconds of {@code pid}, its reaped children and its live children, or NaN. */
  static double treeSeconds(long pid) {
    long[] f = fields(pid);
    if (f == null) {
      return Double.NaN;
    }
    long ticks = f[0] + f[1] + f[2] + f[3];
    try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
      for (Path p : (Iterable<Path>) procs::iterator) {
        String name = p.getFileName().toString();
        if (!name.chars().allMatch(Character::isDigit)) {
          continue;
        }
        long[] child = fields(Long.parseLong(name));
        if (child != null && child[4] == pid) {
          ticks += child[0] + child[1];
        }
      }
    } catch (IOException e) {
      return Double.NaN;
    }
    return ticks / TICKS_PER_SECOND;
  }

  /**
   * User plus system CPU seconds of the threads of {@code pid} whose name starts with {@code
   * prefix} (a JVM names its threads in {@code /proc/<pid>/task/<tid>/comm}), or NaN.
   */
  static double threadSeconds(long pid, String prefix) {
    Path tasks = Path.of("/proc", Long.toString(pid), "task");
    long ticks = 0;
    try (Stream<Path> threads = Files.list(tasks)) {
      for (Path t : (Iterable<Path>) threads::iterator) {
        String stat;
        try {
          stat = Files.readString(t.resolve("stat"));
        } catch (IOException gone) {
          continue; // the thread ended meanwhile
        }
        String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
        if (name.startsWith(prefix)) {
          String[] f = stat.substring(stat.lastIndexOf(')') + 2).trim().split(" ");
          ticks += Long.parseLong(f[11]) + Long.parseLong(f[12]);
        }
      }
    } catch (IOException e) {
      return Double.NaN;
    }
    return ticks / TICKS_PER_SECOND;
  }

  /** utime, stime, cutime, cstime and ppid of {@code pid}; null if unreadable. */
  private static long[] fields(long pid) {
    String stat;
    try {
      stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
    } catch (IOException e) {
      return null;
    }
    // The command name (field 2) may hold spaces and parentheses; fields follow the last ')'.
    String[] f = stat.substring(stat.lastIndexOf(')') + 2).trim().split(" ");
    // f[0] is field 3 (state); ppid is field 4, utime..cstime are fields 14..17.
    return new long[] {
      Long.parseLong(f[11]), Long.parseLong(f[12]), Long.parseLong(f[13]),
      Long.parseLong(f[14]), Long.parseLong(f[1])
    };
  }
}
