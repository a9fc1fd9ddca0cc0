package dev.kestrel.bench;

import dev.kestrel.activities.browser.ProcessMemory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Proportional set size (PSS) from /proc: shared pages counted once across the processes. */
final class Memory {
  private Memory() {}

  static double pssMb(List<ProcessHandle> processes) {
    return ProcessMemory.proportionalBytes(processes) / (1024.0 * 1024.0);
  }

  /** From /proc: the JDK's view of another process's arguments can be empty. */
  static boolean isRenderer(ProcessHandle p) {
    try {
      String cmdline = Files.readString(Path.of("/proc", String.valueOf(p.pid()), "cmdline"));
      return isChromium(p)
          && java.util.Arrays.asList(cmdline.split("\0")).contains("--type=renderer");
    } catch (IOException | RuntimeException goneMeanwhile) {
      return false;
    }
  }

  static boolean isChromium(ProcessHandle p) {
    return p.info().command().orElse("").contains("chrom");
  }
}
