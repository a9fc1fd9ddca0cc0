package dev.kestrel.server.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kestrel.server.config.KestrelConfiguration;
import dev.kestrel.server.support.ApiClient;
import dev.kestrel.server.support.TestApps;
import io.dropwizard.testing.junit5.DropwizardAppExtension;
import io.dropwizard.testing.junit5.DropwizardExtensionsSupport;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Acceptance 4: a task's run list is its 50 newest runs, newest first, whatever the query says. */
@ExtendWith(DropwizardExtensionsSupport.class)
class RunListIT {
  static final DropwizardAppExtension<KestrelConfiguration> APP = TestApps.shared();

  @Test
  void listsThe50NewestRunsNewestFirstIgnoringQueryParameters() {
    ApiClient api = TestApps.api(APP);
    String taskId =
        TestApps.createTask(
            api,
            "{\"name\": \"Tiny\", \"steps\": [{\"id\": \"p\", \"action\": \"waitFor\", \"ms\": 1}]}");
    List<String> queued = new ArrayList<>();
    for (int i = 0; i < 55; i++) {
      queued.add(TestApps.queue(api, taskId, "{}"));
    }
    List<String> expected = new ArrayList<>(queued.subList(5, 55));
    Collections.reverse(expected);

    JsonNode plain = api.get("/public/v1/tasks/" + taskId + "/runs").json().get("runs");
    JsonNode withQuery =
        api.get("/public/v1/tasks/" + taskId + "/runs?limit=5&status=FAILED&offset=3&cursor=x")
            .json()
            .get("runs");

    assertThat(ids(plain)).containsExactlyElementsOf(expected);
    assertThat(ids(withQuery)).containsExactlyElementsOf(expected);
    List<String> created = new ArrayList<>();
    plain.forEach(r -> created.add(r.at("/timestamps/createdAt").asText()));
    assertThat(created).isSortedAccordingTo(Collections.reverseOrder());

    // Let the runs finish so the app stops with nothing in flight.
    queued.forEach(id -> TestApps.awaitTerminal(api, id, Duration.ofSeconds(120)));
    JsonNode page =
        api.get("/public/v1/task-runs?taskId=" + taskId + "&limit=20&status=COMPLETED").json();
    assertThat(page.get("runs")).hasSize(20);
    JsonNode next =
        api.get(
                "/public/v1/task-runs?taskId="
                    + taskId
                    + "&limit=40&cursor="
                    + page.get("nextCursor").asText())
            .json();
    assertThat(next.get("runs")).hasSize(35);
    assertThat(next.get("nextCursor").isNull()).isTrue();
  }

  private static List<String> ids(JsonNode runs) {
    List<String> ids = new ArrayList<>();
    runs.forEach(r -> ids.add(r.get("id").asText()));
    return ids;
  }
}
