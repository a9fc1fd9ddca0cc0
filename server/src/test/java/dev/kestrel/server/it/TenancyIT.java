package dev.kestrel.server.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kestrel.server.config.KestrelConfiguration;
import dev.kestrel.server.core.Organizations;
import dev.kestrel.server.support.ApiClient;
import dev.kestrel.server.support.TestApps;
import io.dropwizard.testing.junit5.DropwizardAppExtension;
import io.dropwizard.testing.junit5.DropwizardExtensionsSupport;
import java.time.Duration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Acceptance 8: organizations never see each other's objects; bad keys are 401 with
 * WWW-Authenticate.
 */
@ExtendWith(DropwizardExtensionsSupport.class)
class TenancyIT {
  static final DropwizardAppExtension<KestrelConfiguration> APP = TestApps.shared();
  static ApiClient owner;
  static ApiClient stranger;
  static String taskId;
  static String runId;

  @BeforeAll
  static void twoOrganizations() {
    owner = TestApps.api(APP);
    Organizations organizations = TestApps.installed(APP).organizations();
    organizations.create("org-two", null, null);
    stranger = owner.withKey(organizations.issueKey("org-two", "tenancy test").secret());
    taskId =
        TestApps.createTask(
            owner,
            "{\"name\": \"Private\", \"steps\": [{\"id\": \"p\", \"action\": \"waitFor\", \"ms\": 1}]}");
    runId = TestApps.queue(owner, taskId, "{}");
    TestApps.awaitTerminal(owner, runId, Duration.ofSeconds(60));
  }

  @Test
  void anotherOrganizationGets404ForEverythingOfTheFirst() {
    assertNotFound(stranger.get("/public/v1/tasks/" + taskId), "task_not_found");
    assertNotFound(
        stranger.put(
            "/public/v1/tasks/" + taskId,
            "{\"name\": \"x\", \"steps\": [{\"id\": \"p\", \"action\": \"waitFor\", \"ms\": 1}]}"),
        "task_not_found");
    assertNotFound(stranger.delete("/public/v1/tasks/" + taskId), "task_not_found");
    assertNotFound(stranger.post("/public/v1/tasks/" + taskId + "/runs", "{}"), "task_not_found");
    assertNotFound(stranger.get("/public/v1/tasks/" + taskId + "/runs"), "task_not_found");
    assertNotFound(stranger.get("/public/v1/task-runs/" + runId), "run_not_found");
    assertNotFound(stranger.get("/public/v1/task-runs/" + runId + "/logs"), "run_not_found");
    assertNotFound(
        stranger.post("/public/v1/task-runs/" + runId + "/cancel", "{}"), "run_not_found");
    assertThat(stranger.get("/public/v1/tasks").json().get("total").asInt()).isZero();
    assertThat(stranger.get("/public/v1/task-runs").json().get("runs")).isEmpty();

    assertThat(owner.get("/public/v1/tasks/" + taskId).status()).isEqualTo(200);
    assertThat(owner.get("/public/v1/task-runs/" + runId).status()).isEqualTo(200);
    assertThat(owner.get("/public/v1/tasks/" + taskId + "/runs").json().get("runs")).hasSize(1);
  }

  @Test
  void missingMalformedUnknownAndRevokedKeysAre401() {
    assertUnauthorized(owner.withKey(null).get("/public/v1/tasks"));
    assertUnauthorized(
        owner.send(
            owner
                .withKey(null)
                .request("/public/v1/tasks")
                .header("Authorization", "Basic dXNlcjpwYXNz")
                .GET()));
    assertUnauthorized(owner.withKey("not-a-key").get("/public/v1/tasks"));
    assertUnauthorized(owner.withKey("sk_live_short").get("/public/v1/tasks"));
    assertUnauthorized(
        owner.withKey("sk_live_unknownunknownunknown0000").get("/public/v1/task-runs/" + runId));

    Organizations organizations = TestApps.installed(APP).organizations();
    Organizations.IssuedKey issued = organizations.issueKey(TestApps.ORG, "to revoke");
    ApiClient revocable = owner.withKey(issued.secret());
    assertThat(revocable.get("/public/v1/tasks/" + taskId).status()).isEqualTo(200);
    organizations.revokeKey(issued.key().id());
    assertUnauthorized(revocable.get("/public/v1/tasks/" + taskId));
    assertUnauthorized(revocable.post("/public/v1/tasks/" + taskId + "/runs", "{}"));
  }

  private static void assertNotFound(ApiClient.Answer answer, String detail) {
    assertThat(answer.status()).isEqualTo(404);
    assertThat(answer.json().get("detail").asText()).isEqualTo(detail);
  }

  private static void assertUnauthorized(ApiClient.Answer answer) {
    assertThat(answer.status()).isEqualTo(401);
    assertThat(answer.header("WWW-Authenticate")).startsWith("Bearer");
    assertThat(answer.json().get("detail").asText()).isNotBlank();
  }
}
