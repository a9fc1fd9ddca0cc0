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
        for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(p.pid()), "smaps_rollup"))) {
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

  static boolean isRenderer(ProcessHandle p) {
    return isChromium(p) && p.info().arguments().map(a -> java.util.Arrays.asList(a).contains("--type=renderer")).orElse(false);
  }

  static boolean isChromium(ProcessHandle p) {
    return p.info().command().orElse("").contains("chrom");
  }
}
