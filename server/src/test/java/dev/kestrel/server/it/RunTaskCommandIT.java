package dev.kestrel.server.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kestrel.server.config.KestrelConfiguration;
import dev.kestrel.server.support.ApiClient;
import dev.kestrel.server.support.Commands;
import dev.kestrel.server.support.TestApps;
import dev.kestrel.testkit.Ports;
import dev.kestrel.testkit.TestPages;
import io.dropwizard.testing.junit5.DropwizardAppExtension;
import io.dropwizard.testing.junit5.DropwizardExtensionsSupport;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The operator's {@code run-task}: it queues through the running server's admin port, returns once
 * the run is accepted, counts the run as the API's are counted, and says what is wrong in one line
 * with the API's detail.
 */
@ExtendWith(DropwizardExtensionsSupport.class)
class RunTaskCommandIT {
  static final DropwizardAppExtension<KestrelConfiguration> APP = TestApps.shared();

  @RegisterExtension static final TestPages PAGES = new TestPages();

  private static Path config;
  private static String taskId;

  @BeforeAll
  static void aConfigurationNamingTheServersAdminPortAndATask() throws IOException {
    config = Files.createTempFile("kestrel-cli-", ".yml");
    Files.writeString(
        config,
        """
        server:
          adminConnectors: [{type: http, port: %d, bindHost: 127.0.0.1}]
        """
            .formatted(APP.getAdminPort()));
    taskId =
        TestApps.createTask(
            TestApps.api(APP),
            """
        {"name": "By hand", "inputs": {"url": {"type": "string", "required": true}},
         "steps": [{"id": "open", "action": "goto", "url": "{{inputs.url}}"}]}
        """);
  }

  @Test
  void anOperatorsRunIsQueuedAsManualAndCounted() throws Exception {
    double before = acceptedManualRuns();

    Commands.Outcome queued =
        Commands.run(
            "run-task",
            "--task",
            taskId,
            "--inputs",
            "{\"url\": \"" + PAGES.url("/home") + "\"}",
            config.toString());

    assertThat(queued.succeeded()).as(queued.err()).isTrue();
    Matcher printed =
        Pattern.compile("run (\\S+) of task " + taskId + " queued \\(triggerType manual\\)")
            .matcher(queued.out());
    assertThat(printed.find()).as(queued.out()).isTrue();
    ApiClient api = TestApps.api(APP);
    JsonNode run = TestApps.awaitTerminal(api, printed.group(1), Duration.ofSeconds(60));
    assertThat(run.get("triggerType").asText()).isEqualTo("manual");
    assertThat(run.get("status").asText()).isEqualTo("COMPLETED");
    assertThat(acceptedManualRuns()).isEqualTo(before + 1);
  }

  @Test
  void refusedInputsAreOneLineInTheApisShapeNamingTheInput() {
    Commands.Outcome missing = Commands.run("run-task", "--task", taskId, config.toString());
    Commands.Outcome mistyped =
        Commands.run("run-task", "--task", taskId, "--inputs", "{\"url\": 5}", config.toString());

    for (Commands.Outcome refused : new Commands.Outcome[] {missing, mistyped}) {
      assertThat(refused.succeeded()).isFalse();
      assertThat(refused.err().strip())
          .startsWith("error: the run was refused: {\"detail\":[{")
          .contains("\"loc\":[\"inputs\",\"url\"]")
          .doesNotContain("\n", "schedule", "{loc=");
    }
  }

  @Test
  void badInputToTheCommandIsOneClearLine() {
    Commands.Outcome notJson =
        Commands.run("run-task", "--task", taskId, "--inputs", "{url:", config.toString());
    Commands.Outcome notAnObject =
        Commands.run("run-task", "--task", taskId, "--inputs", "[1]", config.toString());
    Commands.Outcome unknownTask =
        Commands.run(
            "run-task", "--task", "00000000-0000-4000-8000-000000000000", config.toString());

    assertThat(notJson.err().strip())
        .startsWith("error: --inputs is not JSON: ")
        .doesNotContain("\n", "com.fasterxml", "line: 1");
    assertThat(notAnObject.err().strip()).startsWith("error: --inputs must be a JSON object");
    assertThat(unknownTask.err().strip())
        .isEqualTo("error: the run was refused: {\"detail\":\"task_not_found\"}");
  }

  @Test
  void withoutARunningServerItSaysSoInOneLine() throws IOException {
    Path nowhere = Files.createTempFile("kestrel-cli-", ".yml");
    Files.writeString(
        nowhere,
        """
        server:
          adminConnectors: [{type: http, port: %d, bindHost: 127.0.0.1}]
        """
            .formatted(Ports.free()));

    Commands.Outcome outcome = Commands.run("run-task", "--task", taskId, nowhere.toString());

    assertThat(outcome.succeeded()).isFalse();
    assertThat(outcome.err().strip())
        .startsWith("error: no Kestrel server answers on its admin port")
        .doesNotContain("\n");
  }

  private static double acceptedManualRuns() throws Exception {
    String scrape =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(
                        URI.create(
                            "http://127.0.0.1:" + APP.getAdminPort() + "/metrics/prometheus"))
                    .build(),
                HttpResponse.BodyHandlers.ofString())
            .body();
    Matcher counter =
        Pattern.compile("(?m)^kestrel_runs_accepted_total\\{trigger=\"manual\"} (\\S+)$")
            .matcher(scrape);
    return counter.find() ? Double.parseDouble(counter.group(1)) : 0;
  }
}
