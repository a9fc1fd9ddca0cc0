package dev.kestrel.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Proportional set size (PSS) from /proc: shared pages counted once across the processes. */
final class Memory {
  private Memory() {}

  static double pssMb(List<ProcessHandle> processes) {
    long kb = 0;
    for (ProcessHandle p : processes) {
      try {
        for (String line :
            Files.readAllLines(Path.of("/proc", String.valueOf(p.pid()), "smaps_rollup"))) {
          if (line.startsWith("Pss:")) {
            kb += Long.parseLong(line.replaceAll("[^0-9]", ""));
          }
        }
      } catch (IOException | RuntimeException goneMeanwhile) {
        // A process that ended between listing and reading holds no memory.
      }
    }
    return kb / 1024.0;
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
