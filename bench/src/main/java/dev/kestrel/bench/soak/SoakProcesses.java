package dev.kestrel.bench.soak;

import dev.kestrel.activities.browser.ProcessMemory;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The soak's processes as {@code /proc} shows them: every process whose environment carries the
 * soak's tag, every process under one of those, and every Chromium process of a browser profile
 * (its {@code --user-data-dir}) one of its browsers used, whoever its parent is now. Chromium
 * rewrites the argument and environment area of the processes its zygote forks, so a renderer shows
 * no tag of its own; and an orphan is re-parented, so only its profile names it.
 */
final class SoakProcesses {
  enum Kind {
    KESTREL,
    BROWSER,
    /** A page's renderer: what it holds belongs to the page loaded now, and ends with it. */
    RENDERER,
    BROWSER_CHILD,
    DRIVER,
    ENGINE,
    OTHER
  }

  private static final double MB = 1024.0 * 1024.0;

  /** One process: what it is, its resident and proportional set sizes in MB. */
  record Proc(long pid, Kind kind, double rssMb, double pssMb, String command) {}

  private record Seen(long pid, long parent, boolean tagged, List<String> args) {}

  private static final String PROFILE = "--user-data-dir=";

  private final byte[] tag;
  private final Set<String> profiles = ConcurrentHashMap.newKeySet();

  SoakProcesses(String soakId) {
    this.tag = (SoakFleet.TAG + "=" + soakId).getBytes(StandardCharsets.UTF_8);
  }

  List<Proc> scan() {
    Map<Long, Seen> all = new HashMap<>();
    try (DirectoryStream<Path> dirs = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
      for (Path dir : dirs) {
        try {
          String stat = Files.readString(dir.resolve("stat"));
          long parent = Long.parseLong(stat.substring(stat.lastIndexOf(')') + 2).split(" ")[1]);
          String raw =
              new String(Files.readAllBytes(dir.resolve("cmdline")), StandardCharsets.UTF_8);
          if (raw.isEmpty()) {
            continue; // A zombie or a kernel thread: no memory of its own.
          }
          // A rewritten command line is one string with spaces (and NULs after it).
          List<String> args = Arrays.asList(raw.split("[\\x00 ]+"));
          long pid = Long.parseLong(dir.getFileName().toString());
          all.put(
              pid,
              new Seen(
                  pid, parent, contains(Files.readAllBytes(dir.resolve("environ")), tag), args));
        } catch (IOException | RuntimeException goneMeanwhile) {
          // Ended between listing and reading.
        }
      }
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    Map<Long, List<Seen>> children = new HashMap<>();
    all.values().forEach(p -> children.computeIfAbsent(p.parent(), k -> new ArrayList<>()).add(p));
    Set<Long> ours = new HashSet<>();
    Deque<Seen> todo = new ArrayDeque<>(all.values().stream().filter(Seen::tagged).toList());
    while (!todo.isEmpty()) {
      Seen p = todo.pop();
      if (ours.add(p.pid())) {
        profile(p).ifPresent(profiles::add);
        todo.addAll(children.getOrDefault(p.pid(), List.of()));
      }
    }
    all.values().stream()
        .filter(p -> profile(p).map(profiles::contains).orElse(false))
        .forEach(p -> ours.add(p.pid()));
    List<Proc> found = new ArrayList<>();
    for (long pid : ours) {
      List<String> args = all.get(pid).args();
      // A process that ended meanwhile is listed holding nothing.
      found.add(
          new Proc(
              pid,
              kind(args),
              ProcessMemory.residentBytes(pid) / MB,
              ProcessMemory.proportionalBytes(pid) / MB,
              String.join(" ", args.subList(0, Math.min(args.size(), 3)))));
    }
    return found;
  }

  private static Optional<String> profile(Seen p) {
    return p.args().stream()
        .filter(a -> a.startsWith(PROFILE))
        .map(a -> a.substring(PROFILE.length()))
        .findFirst();
  }

  private static Kind kind(List<String> args) {
    String exe = args.get(0);
    boolean typed = args.stream().anyMatch(a -> a.startsWith("--type="));
    if (exe.contains("chrom")) {
      // The crash handler Chromium starts next to each browser is one of its helpers.
      if (args.contains("--type=renderer")) {
        return Kind.RENDERER;
      }
      return typed || exe.contains("crashpad") ? Kind.BROWSER_CHILD : Kind.BROWSER;
    }
    if (args.stream().anyMatch(a -> a.endsWith("kestrel.jar"))) {
      return Kind.KESTREL;
    }
    if (args.stream().anyMatch(a -> a.contains("playwright") || a.endsWith("cli.js"))
        || exe.endsWith("node")) {
      return Kind.DRIVER;
    }
    if (args.contains("start-dev") || exe.endsWith("temporal")) {
      return Kind.ENGINE;
    }
    return Kind.OTHER;
  }

  /** Open file descriptors of a process, or -1 if it is gone. */
  static int openFiles(long pid) {
    try (var fds = Files.list(Path.of("/proc", String.valueOf(pid), "fd"))) {
      return (int) fds.count();
    } catch (IOException | RuntimeException gone) {
      return -1;
    }
  }

  private static boolean contains(byte[] haystack, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= haystack.length; i++) {
      if (i > 0 && haystack[i - 1] != 0) {
        continue; // Variables start after a NUL.
      }
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) {
          continue outer;
        }
      }
      return true;
    }
    return false;
  }
}
