package dev.kestrel.testkit;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;

public final class Ports {
  private Ports() {}

  /**
   * Below the kernel's ephemeral range (Linux: 32768 and up), where no connection takes a local
   * port.
   */
  private static final int FIRST = 10_000;

  private static final int LAST = ephemeralRangeStart() - 1;

  /**
   * The one port of this range that Chromium refuses to open (net::ERR_UNSAFE_PORT, its restricted
   * list); a test that points the browser at a server on it would fail.
   */
  private static final int CHROMIUM_UNSAFE_PORT = 10_080;

  private static final java.util.Set<Integer> HANDED_OUT =
      java.util.concurrent.ConcurrentHashMap.newKeySet();

  /**
   * A port free now that stays free for the process it is meant for: chosen below the ephemeral
   * range, so that no outgoing connection of this host (the engine's, a client's) takes it as its
   * local port before that process binds it, and never the same one twice on this machine while
   * this JVM lives: test JVMs running side by side (the system lane's forks) each reserve theirs.
   */
  public static int free() {
    java.util.Random random = new java.util.Random();
    for (int tries = 0; tries < 1_000; tries++) {
      int port = FIRST + random.nextInt(LAST - FIRST + 1);
      if (port == CHROMIUM_UNSAFE_PORT || HANDED_OUT.contains(port) || !reserve(port)) {
        continue;
      }
      try (ServerSocket socket = new ServerSocket()) {
        socket.setReuseAddress(false);
        socket.bind(new InetSocketAddress(port));
        if (HANDED_OUT.add(port)) {
          return port;
        }
      } catch (IOException taken) {
        // In use: another.
      }
    }
    throw new IllegalStateException("no free port between " + FIRST + " and " + LAST);
  }

  /**
   * Locks held for this JVM's life, one per port it handed out; the kernel lets go of them when it
   * ends.
   */
  private static final java.util.List<java.nio.channels.FileLock> RESERVED =
      new java.util.concurrent.CopyOnWriteArrayList<>();

  private static final java.nio.file.Path RESERVATIONS =
      java.nio.file.Path.of(System.getProperty("java.io.tmpdir"), "kestrel-test-ports");

  /** Whether this JVM now holds the port's lock file; false when another test JVM holds it. */
  private static boolean reserve(int port) {
    try {
      java.nio.file.Files.createDirectories(RESERVATIONS);
      java.nio.channels.FileChannel channel =
          java.nio.channels.FileChannel.open(
              RESERVATIONS.resolve(port + ".lock"),
              java.nio.file.StandardOpenOption.CREATE,
              java.nio.file.StandardOpenOption.WRITE);
      java.nio.channels.FileLock lock = channel.tryLock();
      if (lock == null) {
        channel.close();
        return false;
      }
      RESERVED.add(lock);
      return true;
    } catch (IOException | java.nio.channels.OverlappingFileLockException e) {
      return false;
    }
  }

  private static int ephemeralRangeStart() {
    try {
      String range =
          java.nio.file.Files.readString(
                  java.nio.file.Path.of("/proc/sys/net/ipv4/ip_local_port_range"))
              .trim();
      return Math.max(FIRST + 1_000, Integer.parseInt(range.split("\\s+")[0]));
    } catch (IOException | RuntimeException notLinux) {
      return 32_768;
    }
  }

  public static boolean open(int port) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  public static void awaitOpen(int port, Duration atMost, Process owner, String what) {
    long deadline = System.nanoTime() + atMost.toNanos();
    while (System.nanoTime() < deadline) {
      if (open(port)) {
        return;
      }
      if (owner != null && !owner.isAlive()) {
        throw new IllegalStateException(
            what + " exited with " + owner.exitValue() + " before listening on " + port);
      }
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
    throw new IllegalStateException(what + " did not listen on " + port + " within " + atMost);
  }
}
