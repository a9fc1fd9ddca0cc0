package dev.kestrel.server.support;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The TCP sockets a process listens on, read from the kernel's socket table ({@code /proc/net/tcp}
 * and {@code tcp6}, matched to the process's file descriptors): no connection is made anywhere.
 */
public final class ListeningSockets {
  private static final Pattern SOCKET = Pattern.compile("socket:\\[(\\d+)]");
  private static final String LISTEN = "0A";

  private ListeningSockets() {}

  /** Port → the address it is bound to ({@code 127.0.0.1}, {@code 0.0.0.0}, {@code ::}, …). */
  public static Map<Integer, String> of(long pid) throws IOException {
    Set<String> inodes = new HashSet<>();
    try (Stream<Path> fds = Files.list(Path.of("/proc", String.valueOf(pid), "fd"))) {
      for (Path fd : fds.toList()) {
        try {
          Matcher m = SOCKET.matcher(Files.readSymbolicLink(fd).toString());
          if (m.matches()) {
            inodes.add(m.group(1));
          }
        } catch (IOException closedMeanwhile) {
          // A descriptor closed while we looked.
        }
      }
    }
    Map<Integer, String> listening = new TreeMap<>();
    for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
      List<String> lines = Files.readAllLines(Path.of(table));
      for (String line : lines.subList(1, lines.size())) {
        String[] f = line.trim().split("\\s+");
        if (f[3].equals(LISTEN) && inodes.contains(f[9])) {
          String[] local = f[1].split(":");
          listening.put(Integer.parseInt(local[1], 16), address(local[0]));
        }
      }
    }
    return listening;
  }

  /** Whether the address is loopback: 127.x, ::1, or ::ffff:127.x. */
  public static boolean isLoopback(String address) {
    return address.startsWith("127.") || address.equals("::1") || address.startsWith("::ffff:127.");
  }

  /** The kernel's hex form: IPv4 as one little-endian word, IPv6 as four. */
  private static String address(String hex) {
    if (hex.length() == 8) {
      return ipv4(hex);
    }
    if (hex.startsWith("0000000000000000FFFF0000")) {
      return "::ffff:" + ipv4(hex.substring(24));
    }
    if (hex.equals("00000000000000000000000001000000")) {
      return "::1";
    }
    if (hex.equals("00000000000000000000000000000000")) {
      return "::";
    }
    return "ipv6:" + hex;
  }

  private static String ipv4(String hex) {
    long word = Long.parseLong(hex, 16);
    return (word & 0xff)
        + "."
        + ((word >> 8) & 0xff)
        + "."
        + ((word >> 16) & 0xff)
        + "."
        + ((word >> 24) & 0xff);
  }
}
