package dev.kestrel.server.it;

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
 * A worker whose browser cannot start says so in the run's log, and the run ends at its timeout.
 */
@ExtendWith(DropwizardExtensionsSupport.class)
class BrowserUnavailableIT {
  static final DropwizardAppExtension<KestrelConfiguration> APP =
      TestApps.app(config -> config.worker().chromiumPath("/nonexistent/chromium"));

  @Test
  void theRunLogSaysWhyNoSessionOpensAndTheRunTimesOut() {
    ApiClient api = TestApps.api(APP);
    String taskId =
        TestApps.createTask(
            api,
            "{\"name\": \"No browser\", \"timeoutSeconds\": 8, \"steps\": [{\"id\": \"p\", \"action\": \"waitFor\", \"ms\": 1}]}");
    String runId = TestApps.queue(api, taskId, "{}");

    JsonNode run = TestApps.awaitTerminal(api, runId, Duration.ofSeconds(60));

    assertThat(run.get("status").asText()).isEqualTo("FAILED");
    assertThat(run.at("/error/code").asText()).isEqualTo("timeout");
    assertThat(run.at("/timestamps/startedAt").isNull()).isTrue();
    String logs = api.get("/public/v1/task-runs/" + runId + "/logs").raw().body();
    assertThat(logs)
        .contains("Could not open a browser session on worker")
        .contains("/nonexistent/chromium");
  }

  @Test
  void theHealthCheckSaysInOneLineThatChromiumCannotOpenAPage() {
    ApiClient admin = new ApiClient("http://127.0.0.1:" + APP.getAdminPort(), TestApps.KEY);
    ApiClient.Answer health = admin.get("/healthcheck");

    assertThat(health.status()).isEqualTo(500);
    JsonNode browser = health.json().get("browser");
    assertThat(browser.get("healthy").asBoolean()).isFalse();
    assertThat(browser.get("message").asText())
        .startsWith("Chromium at /nonexistent/chromium cannot open a page")
        .doesNotContain("\n");
    assertThat(browser.has("error")).as("no stack trace").isFalse();
    assertThat(health.json().at("/temporal/message").asText())
        .startsWith("IN_MEMORY engine at 127.0.0.1:");
  }
}
