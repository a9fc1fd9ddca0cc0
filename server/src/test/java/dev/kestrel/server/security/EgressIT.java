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
 * The browser never reaches the server's own services, even in the embedded default that lets pages
 * reach loopback (a developer's own pages): not by navigation, not by a page's fetch.
 */
@ExtendWith(DropwizardExtensionsSupport.class)
class EgressIT {
  static final DropwizardAppExtension<KestrelConfiguration> APP = TestApps.shared();

  @Test
  void navigatingToTheAdminApiOrEnginePortFailsAsEgressRefused() {
    ApiClient api = TestApps.api(APP);
    String engine = TestApps.installed(APP).engine().target();
    for (String url :
        new String[] {
          "http://127.0.0.1:" + APP.getAdminPort() + "/healthcheck",
          "http://localhost.:" + APP.getLocalPort() + "/public/v1/tasks",
          "http://" + engine + "/"
        }) {
      String task =
          TestApps.createTask(
              api,
              """
          {"name": "Own port", "steps": [
            {"id": "go", "action": "goto", "url": "%s"},
            {"id": "read", "action": "extract", "selector": "body", "output": "body"}]}
          """
                  .formatted(url));
      JsonNode run =
          TestApps.awaitTerminal(api, TestApps.queue(api, task, "{}"), Duration.ofSeconds(60));

      assertThat(run.get("status").asText()).as(url).isEqualTo("FAILED");
      assertThat(run.at("/error/code").asText()).as(url).isEqualTo("egress_refused");
      assertThat(run.at("/error/message").asText()).as(url).contains("own services");
      assertThat(run.get("outputs").size()).isZero();
    }
  }

  @Test
  void aPagesFetchOfTheAdminPortIsRefusedAndLogged() {
    ApiClient api = TestApps.api(APP);
    String page =
        "data:text/html,<p id=out>waiting</p><script>fetch('http://127.0.0.1:"
            + APP.getAdminPort()
            + "/healthcheck').then(r => r.text()).then(t => out.textContent = t).catch(e => out.textContent = 'blocked')</script>";
    String task =
        TestApps.createTask(
            api,
            """
        {"name": "Sneaky", "steps": [
          {"id": "open", "action": "goto", "url": "%s"},
          {"id": "wait", "action": "waitFor", "ms": 1500},
          {"id": "read", "action": "extract", "selector": "#out", "output": "out"}]}
        """
                .formatted(page));
    String runId = TestApps.queue(api, task, "{}");
    JsonNode run = TestApps.awaitTerminal(api, runId, Duration.ofSeconds(60));

    assertThat(run.get("status").asText()).isEqualTo("COMPLETED");
    assertThat(run.at("/outputs/out").asText()).isEqualTo("blocked");
    String log = api.get("/public/v1/task-runs/" + runId + "/logs").raw().body();
    assertThat(log)
        .contains("Egress refused GET http://127.0.0.1:" + APP.getAdminPort() + "/healthcheck");
  }
}
