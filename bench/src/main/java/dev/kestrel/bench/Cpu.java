package dev.kestrel.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * CPU time from /proc, in milliseconds. A process tree's total is each live process's own time plus
 * that of its children it has reaped (Chromium's renderers come and go with every context), so the
 * difference between two readings is what the tree spent in between.
 */
final class Cpu {
  private static final double TICK_MS = 1000.0 / 100; // USER_HZ is 100 on Linux

  private Cpu() {}

  /** The process's own user + system time (its threads, not its children). */
  static double ownMs(ProcessHandle p) {
    long[] t = times(p.pid());
    return (t[0] + t[1]) * TICK_MS;
  }

  /** The process and all it started, including the children that ended and were reaped. */
  static double treeMs(ProcessHandle root) {
    List<ProcessHandle> tree = new ArrayList<>();
    tree.add(root);
    root.descendants().forEach(tree::add);
    long ticks = 0;
    for (ProcessHandle p : tree) {
      long[] t = times(p.pid());
      ticks += t[0] + t[1] + t[2] + t[3];
    }
    return ticks * TICK_MS;
  }

  /** utime, stime, cutime, cstime; zeros for a process that ended meanwhile. */
  private static long[] times(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc", String.valueOf(pid), "stat"));
      // The command name (field 2) may hold spaces: the fields after it start after its ')'.
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      // f[0] is field 3 (state), so utime (field 14) is f[11].
      return new long[] {
        Long.parseLong(f[11]), Long.parseLong(f[12]), Long.parseLong(f[13]), Long.parseLong(f[14])
      };
    } catch (IOException | RuntimeException gone) {
      return new long[4];
    }
  }
}
