package dev.kestrel.server.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kestrel.server.config.KestrelConfiguration;
import dev.kestrel.server.support.ApiClient;
import dev.kestrel.server.support.TestApps;
import dev.kestrel.testkit.TestPages;
import io.dropwizard.testing.junit5.DropwizardAppExtension;
import io.dropwizard.testing.junit5.DropwizardExtensionsSupport;
import io.temporal.api.history.v1.History;
import io.temporal.client.WorkflowClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 26, SPEC 11: one run executes 10,000 steps (a repeat of 5,000 rounds of 2 steps). Its
 * workflow continues as new before Temporal's history limit, keeping its session, outputs and
 * count; every execution's history stays well under the limit, and the run's log is continuous.
 */
@ExtendWith(DropwizardExtensionsSupport.class)
class LongRunIT {
  static final int ROUNDS = 5_000;

  /** Where Temporal starts warning about a history's length (it stops one at 51,200 events). */
  static final int HISTORY_WARNING_EVENTS = 10_240;

  @RegisterExtension static final TestPages PAGES = new TestPages();

  /** Its own app: a run keeps 1,000 log entries by default, and this one writes 20,000. */
  static final DropwizardAppExtension<KestrelConfiguration> APP =
      TestApps.app(config -> config.limits().maxLogEntriesPerRun(25_000));

  @Test
  void aRunOfTenThousandStepsContinuesAsNewAndCompletesWithItsCountIntact() {
    ApiClient api = TestApps.api(APP);
    String taskId =
        TestApps.createTask(
            api, TestApps.countingLoopTask("Ten thousand steps", PAGES.url("/tab"), ROUNDS));
    String runId = TestApps.queue(api, taskId, "{}");
    JsonNode run = TestApps.awaitTerminal(api, runId, Duration.ofMinutes(15));

    assertThat(run.get("status").asText()).as(run.toString()).isEqualTo("COMPLETED");
    assertThat(run.at("/outputs/n").asInt()).isEqualTo(ROUNDS);

    List<Integer> lengths = historyLengths(runId);
    assertThat(lengths).as("one execution per continue-as-new").hasSizeGreaterThan(2);
    assertThat(lengths).allSatisfy(n -> assertThat(n).isLessThan(HISTORY_WARNING_EVENTS));

    // The log goes on across executions: each round's last step is in it once, in order.
    JsonNode logs = api.get("/public/v1/task-runs/" + runId + "/logs").json().get("logEntries");
    List<Integer> rounds = new ArrayList<>();
    for (JsonNode entry : logs) {
      Matcher done = READ_DONE.matcher(entry.get("message").asText());
      if (done.find()) {
        rounds.add(Integer.parseInt(done.group(1)));
      }
      assertThat(entry.get("level").asText()).as(entry.toString()).isNotEqualTo("error");
    }
    assertThat(rounds).hasSize(ROUNDS);
    for (int n = 0; n < ROUNDS; n++) {
      assertThat(rounds.get(n)).isEqualTo(n + 1);
    }
  }

  static final Pattern READ_DONE = Pattern.compile("^Step 2/2 round (\\d+) › read evaluate done");

  /** The length of the history of each execution of the run's workflow, newest first. */
  private static List<Integer> historyLengths(String runId) {
    WorkflowClient client = TestApps.installed(APP).engine().apiClient();
    List<Integer> lengths = new ArrayList<>();
    String execution = null;
    while (true) {
      History history =
          execution == null
              ? client.fetchHistory("run-" + runId).getHistory()
              : client.fetchHistory("run-" + runId, execution).getHistory();
      lengths.add(history.getEventsCount());
      execution =
          history
              .getEvents(0)
              .getWorkflowExecutionStartedEventAttributes()
              .getContinuedExecutionRunId();
      if (execution.isEmpty()) {
        return lengths;
      }
    }
  }
}
