package dev.kestrel.server.support;

import dev.kestrel.server.KestrelApplication;
import dev.kestrel.server.config.KestrelConfiguration;
import io.dropwizard.core.cli.Cli;
import io.dropwizard.core.setup.Bootstrap;
import io.dropwizard.util.JarLocation;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/** Runs one of the program's commands in this JVM, as {@code java -jar kestrel.jar ARGS} would. */
public final class Commands {
  private Commands() {}

  /** What a command printed, and whether it succeeded. */
  public record Outcome(boolean succeeded, String out, String err) {}

  public static Outcome run(String... args) {
    KestrelApplication app = new KestrelApplication();
    Bootstrap<KestrelConfiguration> bootstrap = new Bootstrap<>(app);
    app.initialize(bootstrap);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    PrintStream console = new PrintStream(out, true, StandardCharsets.UTF_8);
    PrintStream stdout = System.out;
    System.setOut(console);
    try {
      boolean ok =
          new Cli(
                  new JarLocation(Commands.class),
                  bootstrap,
                  console,
                  new PrintStream(err, true, StandardCharsets.UTF_8))
              .run(args)
              .isEmpty();
      return new Outcome(
          ok, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    } finally {
      System.setOut(stdout);
    }
  }
}
