package dev.kestrel.server.security;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kestrel.server.config.KestrelConfiguration;
import dev.kestrel.server.support.ApiClient;
import dev.kestrel.server.support.TestApps;
import io.dropwizard.testing.junit5.DropwizardAppExtension;
import io.dropwizard.testing.junit5.DropwizardExtensionsSupport;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Outputs are capped one by one and per run: a run over either fails with output_too_large, and
 * serves no huge output.
 */
@ExtendWith(DropwizardExtensionsSupport.class)
class OutputCapIT {
  static final DropwizardAppExtension<KestrelConfiguration> APP =
      TestApps.app(config -> config.limits().outputCaps(10_000, 15_000));

  static String page(int chars) {
    return "data:text/html,<p id=a></p><p id=b></p><script>a.textContent='x'.repeat("
        + chars
        + ");b.textContent='y'.repeat("
        + chars
        + ")</script>";
  }

  @Test
  void anOutputOverTheCapFailsItsStep() {
    ApiClient api = TestApps.api(APP);
    String task =
        TestApps.createTask(
            api,
            """
        {"name": "Big", "steps": [
          {"id": "open", "action": "goto", "url": "%s"},
          {"id": "take", "action": "extract", "selector": "#a", "output": "text"}]}
        """
                .formatted(page(12_000)));
    JsonNode run =
        TestApps.awaitTerminal(api, TestApps.queue(api, task, "{}"), Duration.ofSeconds(60));

    assertThat(run.get("status").asText()).isEqualTo("FAILED");
    assertThat(run.at("/error/code").asText()).isEqualTo("output_too_large");
    assertThat(run.at("/error/nodeId").asText()).isEqualTo("take");
    assertThat(run.at("/error/message").asText()).contains("'text'").contains("10000");
    assertThat(run.get("outputs").toString().length()).isLessThan(1_000);
  }

  @Test
  void outputsTogetherOverTheRunsCapFailTheRun() {
    ApiClient api = TestApps.api(APP);
    String task =
        TestApps.createTask(
            api,
            """
        {"name": "Two", "steps": [
          {"id": "open", "action": "goto", "url": "%s"},
          {"id": "one", "action": "extract", "selector": "#a", "output": "first"},
          {"id": "two", "action": "extract", "selector": "#b", "output": "second"}]}
        """
                .formatted(page(8_000)));
    JsonNode run =
        TestApps.awaitTerminal(api, TestApps.queue(api, task, "{}"), Duration.ofSeconds(60));

    assertThat(run.get("status").asText()).isEqualTo("FAILED");
    assertThat(run.at("/error/code").asText()).isEqualTo("output_too_large");
    assertThat(run.at("/error/nodeId").asText()).isEqualTo("two");
  }
}
