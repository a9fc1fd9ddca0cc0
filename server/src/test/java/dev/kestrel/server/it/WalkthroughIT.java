package dev.kestrel.server.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kestrel.server.config.KestrelConfiguration;
import dev.kestrel.server.support.TestApps;
import dev.kestrel.testkit.Ports;
import dev.kestrel.testkit.Processes;
import io.dropwizard.testing.junit5.DropwizardAppExtension;
import io.dropwizard.testing.junit5.DropwizardExtensionsSupport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The README's walk-through, as written, against a running server: it completes, leaves nothing in
 * the checkout and no page server behind, and a wrong key stops it with the API's answer.
 */
@ExtendWith(DropwizardExtensionsSupport.class)
class WalkthroughIT {
  static final DropwizardAppExtension<KestrelConfiguration> APP = TestApps.shared();
  private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

  @Test
  void theReadmesWalkthroughCompletesAndCleansUp() throws Exception {
    int pagePort = Ports.free();
    Outcome outcome = run(walkthrough(), pagePort);

    assertThat(outcome.exit()).as(outcome.output()).isZero();
    assertThat(outcome.output())
        .contains("COMPLETED", "Shipped: 48219", "screenshot: ")
        .doesNotContain("error:");
    assertThat(Files.exists(ROOT.resolve("page.png"))).isFalse();
    assertThat(Files.exists(ROOT.resolve("order.html"))).isFalse();
    // Stopped as the script ends; on a loaded machine its port closes a moment later.
    org.awaitility.Awaitility.await("the page server was stopped")
        .atMost(java.time.Duration.ofSeconds(15))
        .until(() -> !Ports.open(pagePort));
  }

  @Test
  void aWrongKeyStopsItWithTheApisAnswer() throws Exception {
    int pagePort = Ports.free();
    // The key the operator command printed, replaced by one the server does not know.
    String script = walkthrough().replace("| tail -1)", "| tail -1 | sed 's/.$/x/')");
    Outcome outcome = run(script, pagePort);

    assertThat(outcome.exit()).isNotZero();
    assertThat(outcome.output())
        .containsPattern(
            "error: POST /tasks answered: \\{\"detail\":\"(invalid|malformed)_api_key\"}")
        .doesNotContain("Traceback", "KeyError");
    assertThat(Ports.open(pagePort)).as("the page server was stopped").isFalse();
  }

  private static String walkthrough() throws Exception {
    String readme = Files.readString(ROOT.resolve("README.md"));
    Matcher block = Pattern.compile("```bash\\n(.*?)```", Pattern.DOTALL).matcher(readme);
    assertThat(block.find()).as("the walk-through's bash block").isTrue();
    return block.group(1);
  }

  private record Outcome(int exit, String output) {}

  private static Outcome run(String script, int pagePort) throws Exception {
    Path dir = Files.createTempDirectory("walkthrough-");
    Path file = dir.resolve("walkthrough.sh");
    Files.writeString(file, script);
    Path log = dir.resolve("walkthrough.log");
    ProcessBuilder bash =
        new ProcessBuilder("bash", file.toString())
            .directory(ROOT.toFile())
            .redirectErrorStream(true);
    bash.redirectOutput(log.toFile());
    Map<String, String> env = bash.environment();
    env.put("API", "http://127.0.0.1:" + APP.getLocalPort() + "/public/v1");
    env.put("PAGE_PORT", String.valueOf(pagePort));
    // The operator commands reach the server's embedded database, as they do beside scripts/serve.
    env.put("KESTREL_DATA_DIR", APP.getConfiguration().dataDir().toString());
    Process process = bash.start();
    if (!process.waitFor(120, TimeUnit.SECONDS)) {
      Processes.killTree(process);
      throw new AssertionError("the walk-through did not end in 120 s: " + Files.readString(log));
    }
    return new Outcome(process.exitValue(), Files.readString(log));
  }
}
