package dev.kestrel.server.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kestrel.server.config.KestrelConfiguration;
import dev.kestrel.server.core.Organizations;
import dev.kestrel.server.support.ApiClient;
import dev.kestrel.server.support.TestApps;
import io.dropwizard.testing.junit5.DropwizardAppExtension;
import io.dropwizard.testing.junit5.DropwizardExtensionsSupport;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Issue 4: the endpoints API (create shows the secret once, list, delete, deliveries), its answers
 * to bad input, tenancy, and acceptance 6: targets the egress policy refuses.
 */
@ExtendWith(DropwizardExtensionsSupport.class)
class WebhookEndpointsIT {
  static final String PATH = "/public/v1/webhook-endpoints";
  static final DropwizardAppExtension<KestrelConfiguration> APP = TestApps.app();
  static ApiClient stranger;

  ApiClient api;

  @BeforeAll
  static void secondOrganization() {
    Organizations organizations = TestApps.installed(APP).organizations();
    organizations.create("webhook-stranger", null, null);
    stranger =
        TestApps.api(APP)
            .withKey(organizations.issueKey("webhook-stranger", "webhooks test").secret());
  }

  @BeforeEach
  void setUp() {
    api = TestApps.api(APP);
  }

  private String task() {
    return TestApps.createTask(
        api,
        "{\"name\": \"Hooked\", \"steps\": [{\"id\": \"a\", \"action\": \"goto\", \"url\": \"http://127.0.0.1:9/\"}]}");
  }

  @Test
  void createListAndDeleteAnEndpoint() {
    String taskId = task();
    ApiClient.Answer created =
        api.post(
            PATH,
            "{\"url\": \"https://hooks.example.com/komos\", \"events\": [\"task-run.completed\", \"task-run.failed\", \"task-run.completed\"], \"taskId\": \""
                + taskId
                + "\"}");

    assertThat(created.status()).isEqualTo(201);
    JsonNode endpoint = created.json().get("endpoint");
    assertThat(endpoint.fieldNames())
        .toIterable()
        .containsExactlyInAnyOrder("id", "url", "events", "taskId", "createdAt");
    assertThat(endpoint.get("url").asText()).isEqualTo("https://hooks.example.com/komos");
    assertThat(endpoint.get("events"))
        .extracting(JsonNode::asText)
        .containsExactly("task-run.completed", "task-run.failed");
    assertThat(endpoint.get("taskId").asText()).isEqualTo(taskId);
    assertThat(created.json().get("secret").asText()).matches("wh_[0-9a-f]{8}_[0-9a-f]{48}");
    String id = endpoint.get("id").asText();

    JsonNode listed = api.get(PATH).json().get("endpoints");
    JsonNode mine = find(listed, id);
    assertThat(mine).isEqualTo(endpoint);
    assertThat(api.get(PATH).raw().body())
        .as("the secret is shown at creation only")
        .doesNotContain(created.json().get("secret").asText());
    assertThat(api.get(PATH + "/" + id + "/deliveries").json().get("deliveries")).isEmpty();

    assertThat(api.delete(PATH + "/" + id).status()).isEqualTo(204);
    assertThat(find(api.get(PATH).json().get("endpoints"), id)).isNull();
    assertThat(api.delete(PATH + "/" + id).json().get("detail").asText())
        .isEqualTo("webhook_endpoint_not_found");
    assertThat(api.get(PATH + "/" + id + "/deliveries").status()).isEqualTo(404);
  }

  @Test
  void noEventsMeansAllEventsAndNoTaskMeansEveryTask() {
    ApiClient.Answer created = api.post(PATH, "{\"url\": \"http://127.0.0.1:9/hook\"}");
    assertThat(created.status()).isEqualTo(201);
    assertThat(created.json().at("/endpoint/events")).isEmpty();
    assertThat(created.json().at("/endpoint/taskId").isNull()).isTrue();
  }

  @Test
  void metadataAndLinkLocalTargetsAreRefusedAtCreationWithTheReason() {
    for (String url :
        List.of(
            "http://169.254.169.254/latest/meta-data/",
            "http://169.254.10.20/hook",
            "http://[fe80::1]/hook",
            "http://metadata.google.internal/computeMetadata/v1/")) {
      ApiClient.Answer refused = api.post(PATH, "{\"url\": \"" + url + "\"}");
      assertThat(refused.status()).as(url).isEqualTo(400);
      JsonNode problem = refused.json().get("detail").get(0);
      assertThat(problem.get("loc")).extracting(JsonNode::asText).containsExactly("body", "url");
      assertThat(problem.get("msg").asText()).as(url).contains("always refused");
    }
    assertThat(
            api.post(PATH, "{\"url\": \"http://169.254.169.254/\"}")
                .json()
                .at("/detail/0/msg")
                .asText())
        .contains("169.254.169.254");
    assertThat(api.get(PATH).json().get("endpoints").toString()).doesNotContain("169.254");
  }

  @Test
  void badInputIsAClear4xxAndCreatesNothing() {
    int before = api.get(PATH).json().get("endpoints").size();
    List<String[]> cases = new ArrayList<>();
    cases.add(new String[] {"", "body"});
    cases.add(new String[] {"{", "invalid_json"});
    cases.add(new String[] {"[]", "body"});
    cases.add(new String[] {"{}", "url"});
    cases.add(new String[] {"{\"url\": 42}", "url"});
    cases.add(new String[] {"{\"url\": \"not a url\"}", "url"});
    cases.add(new String[] {"{\"url\": \"ftp://example.com/x\"}", "url"});
    cases.add(new String[] {"{\"url\": \"http:///nohost\"}", "url"});
    cases.add(new String[] {"{\"url\": \"http://user:pw@example.com/\"}", "url"});
    cases.add(
        new String[] {
          "{\"url\": \"http://example.com/\", \"events\": \"task-run.started\"}", "events"
        });
    cases.add(
        new String[] {
          "{\"url\": \"http://example.com/\", \"events\": [\"task-run.exploded\"]}", "events"
        });
    cases.add(
        new String[] {"{\"url\": \"http://example.com/\", \"taskId\": \"1-2-3-4-5\"}", "taskId"});
    cases.add(new String[] {"{\"url\": \"http://example.com/\", \"secret\": \"mine\"}", "secret"});
    for (String[] c : cases) {
      ApiClient.Answer answer = api.post(PATH, c[0]);
      assertThat(answer.status()).as(c[0]).isEqualTo(400);
      assertThat(answer.raw().body()).as(c[0]).contains(c[1]);
    }
    ApiClient.Answer unknownTask =
        api.post(
            PATH,
            "{\"url\": \"http://example.com/\", \"taskId\": \"00000000-0000-4000-8000-000000000000\"}");
    assertThat(unknownTask.status()).isEqualTo(404);
    assertThat(unknownTask.json().get("detail").asText()).isEqualTo("task_not_found");
    assertThat(api.delete(PATH + "/1-2-3-4-5").json().get("detail").asText())
        .isEqualTo("invalid_webhook_endpoint_id");
    assertThat(api.get(PATH + "/1-2-3-4-5/deliveries").json().get("detail").asText())
        .isEqualTo("invalid_webhook_endpoint_id");
    assertThat(api.get(PATH).json().get("endpoints").size()).isEqualTo(before);
  }

  @Test
  void anotherOrganizationSeesNoneOfThem() {
    String taskId = task();
    String id =
        api.post(PATH, "{\"url\": \"http://127.0.0.1:9/private\"}")
            .json()
            .at("/endpoint/id")
            .asText();

    assertThat(find(stranger.get(PATH).json().get("endpoints"), id)).isNull();
    assertThat(stranger.delete(PATH + "/" + id).status()).isEqualTo(404);
    assertThat(stranger.get(PATH + "/" + id + "/deliveries").status()).isEqualTo(404);
    ApiClient.Answer foreignTask =
        stranger.post(PATH, "{\"url\": \"http://127.0.0.1:9/x\", \"taskId\": \"" + taskId + "\"}");
    assertThat(foreignTask.status()).isEqualTo(404);
    assertThat(find(api.get(PATH).json().get("endpoints"), id)).isNotNull();
    assertThat(api.withKey(null).get(PATH).status()).isEqualTo(401);
  }

  private static JsonNode find(JsonNode endpoints, String id) {
    for (JsonNode e : endpoints) {
      if (e.get("id").asText().equals(id)) {
        return e;
      }
    }
    return null;
  }
}
