package dev.kestrel.activities.browser;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;

/**
 * A process's memory as Linux's {@code /proc} counts it. The one reader of those files for the
 * worker (browser recycling), its tests and the benches. A process that ended between being listed
 * and being read holds nothing, and so does every process where there is no {@code /proc}.
 */
public final class ProcessMemory {
  private ProcessMemory() {}

  /** Resident set size (VmRSS): every page the process maps, shared ones in full. */
  public static long residentBytes(long pid) {
    return kilobytes(pid, "status", "VmRSS:") * 1024;
  }

  /**
   * Proportional set size (Pss): each shared page divided among the processes that map it, so that
   * a sum over processes counts it once.
   */
  public static long proportionalBytes(long pid) {
    return kilobytes(pid, "smaps_rollup", "Pss:") * 1024;
  }

  public static long residentBytes(Collection<ProcessHandle> processes) {
    return processes.stream().mapToLong(p -> residentBytes(p.pid())).sum();
  }

  public static long proportionalBytes(Collection<ProcessHandle> processes) {
    return processes.stream().mapToLong(p -> proportionalBytes(p.pid())).sum();
  }

  private static long kilobytes(long pid, String file, String field) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(pid), file))) {
        if (line.startsWith(field)) {
          return Long.parseLong(line.replaceAll("[^0-9]", ""));
        }
      }
    } catch (IOException | RuntimeException goneOrNotLinux) {
      // Holds nothing.
    }
    return 0;
  }
}
