package dev.kestrel.bench;

import dev.kestrel.bench.KestrelServer.Engine;
import dev.kestrel.client.KestrelClient;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Two builds of the server side by side on the same engine kind, in alternating blocks of runs, so
 * that the machine's drift (these are shared cores) falls on both alike: how a change to the
 * orchestration is measured before it is kept. {@code --ab A.jar B.jar [rounds] [--local] [--steps
 * N | --task FILE]}.
 */
final class AbBench {
  private static final int RUNS_PER_BLOCK = 5;

  private AbBench() {}

  /**
   * @param taskJson the task both run: row 2's five steps, with {@code --steps N} row 10's task of
   *     N steps, or with {@code --task FILE} the task in that file ({@code {{pages}}} in it is the
   *     bench's page server)
   */
  static void run(
      Path work, String taskJson, Path jarA, Path jarB, int rounds, boolean local, Path jfr)
      throws Exception {
    List<KestrelServer> servers = new ArrayList<>();
    try {
      startBoth(servers, work.resolve("ab"), jarA, jarB, local, 1);
      List<String> tasks = new ArrayList<>();
      for (KestrelServer server : servers) {
        String task = server.api().createTask(taskJson).id();
        tasks.add(task);
        for (int i = 0; i < 3; i++) {
          CpuBench.once(server.api(), task);
        }
      }
      if (jfr != null) {
        for (KestrelServer server : servers) {
          jcmd(server, "JFR.start", "name=ab", "settings=profile");
        }
      }
      double[][] sums = new double[2][3];
      List<List<Double>> walls = List.of(new ArrayList<>(), new ArrayList<>());
      for (int round = 0; round < rounds; round++) {
        // A B, then B A: whoever goes first in a round pays for it (a cold cache, the other's
        // leftovers), so each goes first equally often.
        for (int turn = 0; turn < 2; turn++) {
          int s = round % 2 == 0 ? turn : 1 - turn;
          KestrelServer server = servers.get(s);
          ProcessHandle jvm = server.handle();
          double own = Cpu.ownMs(jvm);
          double tree = Cpu.treeMs(jvm);
          for (int i = 0; i < RUNS_PER_BLOCK; i++) {
            long began = System.nanoTime();
            CpuBench.once(server.api(), tasks.get(s));
            walls.get(s).add((System.nanoTime() - began) / 1e6);
          }
          sums[s][0] += Cpu.ownMs(jvm) - own;
          sums[s][1] += Cpu.treeMs(jvm) - tree;
        }
      }
      if (jfr != null) {
        for (int s = 0; s < 2; s++) {
          jcmd(
              servers.get(s),
              "JFR.stop",
              "name=ab",
              "filename=" + jfr.resolve((s == 0 ? "A" : "B") + ".jfr").toAbsolutePath());
        }
      }
      int runs = rounds * RUNS_PER_BLOCK;
      for (int s = 0; s < 2; s++) {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("jar", s == 0 ? jarA.toString() : jarB.toString());
        row.put("JVM CPU per run ms", Math.round(sums[s][0] / runs));
        row.put("tree CPU per run ms", Math.round(sums[s][1] / runs));
        row.put("wall p50 ms (waitForFinish)", Math.round(Stats.of(walls.get(s)).p50()));
        System.out.println((s == 0 ? "A " : "B ") + row);
      }
    } finally {
      servers.forEach(KestrelServer::close);
    }
  }

  /**
   * Submission (row 1's POST, an API without a worker) of both builds on engines of the same kind,
   * in alternating blocks of 150 requests from 8 closed-loop clients: requests per second each.
   */
  static void submission(
      Path work, Scenario scenario, Path jarA, Path jarB, int rounds, boolean local)
      throws Exception {
    List<KestrelServer> servers = new ArrayList<>();
    try {
      startBoth(servers, work.resolve("ab-api"), jarA, jarB, local, 0);
      List<Load.Op> posts = new ArrayList<>();
      for (KestrelServer server : servers) {
        KestrelClient api = server.api();
        String task = api.createTask(scenario.taskJson("AB")).id();
        Load.Op post = () -> api.queueRun(task);
        Load.closed(8, 100, post);
        posts.add(post);
      }
      double[] requests = new double[2];
      double[] seconds = new double[2];
      for (int round = 0; round < rounds; round++) {
        for (int turn = 0; turn < 2; turn++) {
          int s = round % 2 == 0 ? turn : 1 - turn;
          Load.Result result = Load.closed(8, 150, posts.get(s));
          SubmissionBench.check(result, "POST /runs");
          requests[s] += 150;
          seconds[s] += 150 / result.perSecond();
        }
      }
      for (int s = 0; s < 2; s++) {
        System.out.println(
            (s == 0 ? "A " : "B ")
                + Map.of(
                    "jar",
                    s == 0 ? jarA.toString() : jarB.toString(),
                    "POST /runs per second, c=8",
                    Math.round(requests[s] / seconds[s])));
      }
    } finally {
      servers.forEach(KestrelServer::close);
    }
  }

  /**
   * Both builds, each on an engine of its own of the same kind, into {@code servers} (closed by the
   * caller).
   */
  private static void startBoth(
      List<KestrelServer> servers, Path dir, Path jarA, Path jarB, boolean local, int slots) {
    for (Path jar : List.of(jarA, jarB)) {
      Engine engine = local ? Engine.localDefault() : Engine.inMemory();
      servers.add(
          new KestrelServer(
                  dir.resolveSibling(dir.getFileName() + "-" + servers.size()), engine, slots)
              .jar(jar.toAbsolutePath())
              .start());
    }
  }

  /** A flight recording of the measured rounds only (not the start-up), with {@code --jfr DIR}. */
  private static void jcmd(KestrelServer server, String... command) throws Exception {
    List<String> line =
        new ArrayList<>(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                String.valueOf(server.handle().pid())));
    line.addAll(List.of(command));
    new ProcessBuilder(line)
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.DISCARD)
        .start()
        .waitFor();
  }
}
