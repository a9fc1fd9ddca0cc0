package dev.kestrel.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kestrel.server.KestrelApplication;
import dev.kestrel.server.config.KestrelConfiguration;
import io.dropwizard.core.cli.Cli;
import io.dropwizard.core.setup.Bootstrap;
import io.dropwizard.util.JarLocation;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The operator sets an organization's own limits from the shell, on the server's embedded database.
 */
class OrganizationLimitsCommandTest {
  @TempDir Path dir;
  final ByteArrayOutputStream out = new ByteArrayOutputStream();
  final ByteArrayOutputStream err = new ByteArrayOutputStream();

  String run(String... args) throws Exception {
    KestrelApplication app = new KestrelApplication();
    Bootstrap<KestrelConfiguration> bootstrap = new Bootstrap<>(app);
    app.initialize(bootstrap);
    out.reset();
    PrintStream console = new PrintStream(out, true, StandardCharsets.UTF_8);
    Cli cli =
        new Cli(
            new JarLocation(getClass()),
            bootstrap,
            console,
            new PrintStream(err, true, StandardCharsets.UTF_8));
    // The commands print to the console, as an operator sees them.
    PrintStream stdout = System.out;
    System.setOut(console);
    try {
      assertThat(cli.run(args)).as(err.toString(StandardCharsets.UTF_8)).isEmpty();
    } finally {
      System.setOut(stdout);
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  @Test
  void setsClearsAndKeepsLimits() throws Exception {
    Path config = dir.resolve("kestrel.yml");
    Files.writeString(config, "dataDir: " + dir.resolve("data") + "\n");
    run("create-org", "--name", "acme", config.toString());

    assertThat(
            run(
                "set-org-limits",
                "--name",
                "acme",
                "--monthly-run-limit",
                "1000",
                "--max-active-runs",
                "3",
                config.toString()))
        .contains(
            "monthly run limit 1000, max active runs 3, requests per second default, max waiting requests default");
    assertThat(
            run(
                "set-org-limits",
                "--name",
                "acme",
                "--requests-per-second",
                "20",
                "--max-active-runs",
                "0",
                config.toString()))
        .as("unset limits kept, 0 clears")
        .contains("monthly run limit 1000, max active runs default, requests per second 20");
  }
}
