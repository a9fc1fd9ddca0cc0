package dev.kestrel.testkit;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Child processes of tests and the benchmark: output appended to a log file, ended with everything
 * they started.
 */
public final class Processes {
  private Processes() {}

  /** Starts {@code command} with {@code env} added to this process's environment. */
  public static Process start(List<String> command, Map<String, String> env, Path log) {
    ProcessBuilder builder =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    builder.environment().putAll(env);
    try {
      return builder.start();
    } catch (IOException e) {
      throw new UncheckedIOException("could not start " + command.get(0), e);
    }
  }

  /** A JVM running {@code jar} with {@code args}, on the same Java as this one. */
  public static Process startJar(
      String maxHeap, Path jar, List<String> args, Map<String, String> env, Path log) {
    return start(jarCommand(maxHeap, jar, args), env, log);
  }

  /**
   * The command line of a JVM running {@code jar} with {@code args}, on the same Java as this one.
   */
  public static List<String> jarCommand(String maxHeap, Path jar, List<String> args) {
    String java = ProcessHandle.current().info().command().orElse("java");
    List<String> command = new ArrayList<>(List.of(java, "-Xmx" + maxHeap, "-jar", jar.toString()));
    command.addAll(args);
    return command;
  }

  /**
   * A JVM running {@code mainClass} on {@code classpath} with {@code args}, on the same Java as
   * this one.
   */
  public static Process startMain(
      String maxHeap,
      List<Path> classpath,
      String mainClass,
      List<String> args,
      Map<String, String> env,
      Path log) {
    String java = ProcessHandle.current().info().command().orElse("java");
    String cp = String.join(File.pathSeparator, classpath.stream().map(Path::toString).toList());
    List<String> command = new ArrayList<>(List.of(java, "-Xmx" + maxHeap, "-cp", cp, mainClass));
    command.addAll(args);
    return start(command, env, log);
  }

  /**
   * kill -9 of the process and of every process it started (its browsers, say), as a crash would.
   */
  public static void killTree(Process process) {
    if (process == null) {
      return;
    }
    List<ProcessHandle> children = process.descendants().toList();
    process.destroyForcibly();
    children.forEach(ProcessHandle::destroyForcibly);
    try {
      process.waitFor();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
