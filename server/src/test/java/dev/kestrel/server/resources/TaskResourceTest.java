package dev.kestrel.server.resources;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kestrel.server.PublicApi;
import dev.kestrel.server.core.InputResolver;
import dev.kestrel.server.core.Organizations;
import dev.kestrel.server.core.RunService;
import dev.kestrel.server.support.FakeRunEngine;
import dev.kestrel.server.support.TestApps;
import dev.kestrel.store.Store;
import dev.kestrel.store.TestStore;
import dev.kestrel.workflows.RunInput;
import io.dropwizard.jackson.Jackson;
import io.dropwizard.testing.junit5.DropwizardExtensionsSupport;
import io.dropwizard.testing.junit5.ResourceExtension;
import jakarta.ws.rs.client.Entity;
import jakarta.ws.rs.core.Response;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The Tasks API (SPEC 6) on its own: the resource, auth and error mapping over a real H2 store. */
@ExtendWith(DropwizardExtensionsSupport.class)
class TaskResourceTest {
  static final Store STORE = TestStore.h2().open();
  static final Organizations ORGS = new Organizations(STORE.organizations(), STORE.apiKeys());
  static final String KEY;

  static {
    ORGS.create("acme", null, null);
    KEY = ORGS.issueKey("acme", null).secret();
  }

  static final ObjectMapper MAPPER = Jackson.newObjectMapper();
  static final RunService RUNS =
      new RunService(
          STORE.tasks(),
          STORE.runs(),
          STORE.logs(),
          STORE.checkpointRows(),
          new FakeRunEngine(),
          new InputResolver(MAPPER),
          RunInput.ExecutionSettings.defaults(),
          null,
          500,
          STORE.artifacts(),
          TestApps.LINKS,
          new io.micrometer.core.instrument.simple.SimpleMeterRegistry(),
          TestApps.uploads(STORE),
          STORE.profileRows(),
          STORE.proxies());
  static final ResourceExtension RESOURCES = resources();

  private static ResourceExtension resources() {
    ResourceExtension.Builder builder =
        ResourceExtension.builder().setRegisterDefaultExceptionMappers(false);
    PublicApi.providers(STORE.apiKeys(), 1024 * 1024, 1024 * 1024, 1_000)
        .forEach(builder::addProvider);
    return builder
        .addResource(
            new TaskResource(
                STORE.tasks(),
                new TaskReader(MAPPER, 200, 86_400),
                RUNS,
                dev.kestrel.server.core.TaskSchedules.NONE,
                MAPPER,
                TestApps.uploads(STORE)))
        .build();
  }

  static final String DEFINITION =
      "{\"name\": \"%s\", \"steps\": [{\"id\": \"open\", \"action\": \"goto\", \"url\": \"https://example.com\"}]}";

  private JsonNode list(String... params) {
    var target = RESOURCES.target("/public/v1/tasks");
    for (int i = 0; i < params.length; i += 2) {
      target = target.queryParam(params[i], params[i + 1]);
    }
    return target
        .request()
        .header("Authorization", "Bearer " + KEY)
        .get()
        .readEntity(JsonNode.class);
  }

  private Response call(String method, String path, String body) {
    var request = RESOURCES.target(path).request().header("Authorization", "Bearer " + KEY);
    return body == null ? request.method(method) : request.method(method, Entity.json(body));
  }

  @Test
  void createsReadsUpdatesVersionsAndDeletesATask() {
    Response created = call("POST", "/public/v1/tasks", DEFINITION.formatted("Order lookup"));
    assertThat(created.getStatus()).isEqualTo(201);
    JsonNode task = created.readEntity(JsonNode.class).get("task");
    String id = task.get("id").asText();
    assertThat(task.get("status").asText()).isEqualTo("READY");
    assertThat(task.get("version").asInt()).isEqualTo(1);
    assertThat(task.get("timeoutSeconds").asInt()).isEqualTo(300);
    assertThat(task.get("createdAt").asText()).matches("\\d{4}-.*\\.\\d{3}Z");

    Response updated =
        call("PUT", "/public/v1/tasks/" + id, DEFINITION.formatted("Order lookup v2"));
    assertThat(updated.getStatus()).isEqualTo(200);
    JsonNode v2 = updated.readEntity(JsonNode.class).get("task");
    assertThat(v2.get("version").asInt()).isEqualTo(2);
    assertThat(v2.get("name").asText()).isEqualTo("Order lookup v2");

    assertThat(
            call("GET", "/public/v1/tasks/" + id, null)
                .readEntity(JsonNode.class)
                .at("/task/version")
                .asInt())
        .isEqualTo(2);
    assertThat(call("DELETE", "/public/v1/tasks/" + id, null).getStatus()).isEqualTo(204);
    Response gone = call("GET", "/public/v1/tasks/" + id, null);
    assertThat(gone.getStatus()).isEqualTo(404);
    assertThat(gone.readEntity(JsonNode.class).get("detail").asText()).isEqualTo("task_not_found");
  }

  @Test
  void withoutSchedulesOnTheEngineATaskWithAScheduleIsRefusedNamingTheModeAndNothingIsSaved() {
    long before = list().get("total").asLong();
    String scheduled =
        "{\"name\": \"Nightly\", \"steps\": [{\"id\": \"a\", \"action\": \"waitFor\", \"ms\": 1}], "
            + "\"schedule\": {\"cron\": \"0 3 * * *\"}}";

    Response refused = call("POST", "/public/v1/tasks", scheduled);

    assertThat(refused.getStatus()).isEqualTo(409);
    assertThat(refused.readEntity(JsonNode.class).get("detail").asText())
        .startsWith("schedules_unavailable")
        .contains("IN_MEMORY");
    assertThat(list().get("total").asLong()).isEqualTo(before);
    String id =
        call("POST", "/public/v1/tasks", DEFINITION.formatted("Unscheduled"))
            .readEntity(JsonNode.class)
            .at("/task/id")
            .asText();
    assertThat(call("PUT", "/public/v1/tasks/" + id, scheduled).getStatus()).isEqualTo(409);
    assertThat(
            call("GET", "/public/v1/tasks/" + id, null)
                .readEntity(JsonNode.class)
                .at("/task/version")
                .asInt())
        .isEqualTo(1);
    assertThat(call("POST", "/public/v1/tasks/" + id + "/schedule/trigger", "{}").getStatus())
        .isEqualTo(404);
  }

  @Test
  void theStatusFilterTakesKomossFiveStatusesAndEveryBoundIsAClear400() {
    call("POST", "/public/v1/tasks", DEFINITION.formatted("Status filter"));
    for (String status : List.of("DRAFT", "PROCESSING", "NEEDS_REVIEW", "READY", "ERROR")) {
      var answer =
          RESOURCES
              .target("/public/v1/tasks")
              .queryParam("status", status)
              .request()
              .header("Authorization", "Bearer " + KEY)
              .get();
      assertThat(answer.getStatus()).as(status).isEqualTo(200);
    }
    for (String never : List.of("PROCESSING", "NEEDS_REVIEW", "ERROR")) {
      JsonNode page = list("status", never);
      assertThat(page.get("tasks")).as(never).isEmpty();
      assertThat(page.get("total").asInt()).isZero();
    }
    assertThat(list("status", "READY", "search", "status FILTER").get("total").asInt())
        .isEqualTo(1);

    for (String[] bad :
        new String[][] {
          {"status", "ready"},
          {"status", "BOGUS"},
          {"limit", "0"},
          {"limit", "101"},
          {"limit", "x"},
          {"offset", "-1"}
        }) {
      Response refused =
          RESOURCES
              .target("/public/v1/tasks")
              .queryParam(bad[0], bad[1])
              .request()
              .header("Authorization", "Bearer " + KEY)
              .get();
      assertThat(refused.getStatus()).as(bad[0] + "=" + bad[1]).isEqualTo(400);
      assertThat(refused.readEntity(JsonNode.class).get("detail").toString())
          .contains("\"query\"", bad[0]);
    }
  }

  @Test
  void listsWithSearchStatusAndPaging() {
    call("POST", "/public/v1/tasks", DEFINITION.formatted("Invoice 100% export"));
    call("POST", "/public/v1/tasks", DEFINITION.formatted("invoice_import"));
    call(
        "POST",
        "/public/v1/tasks",
        "{\"name\": \"Invoice draft\", \"status\": \"DRAFT\", \"steps\": [{\"id\": \"a\", \"action\": \"waitFor\", \"ms\": 1}]}");

    JsonNode invoices = list("search", "INVOICE");
    assertThat(invoices.get("total").asInt()).isEqualTo(3);
    assertThat(list("search", "100%").get("total").asInt()).isEqualTo(1);
    assertThat(list("search", "e_i").get("total").asInt()).isEqualTo(1);
    assertThat(list("status", "DRAFT", "search", "invoice").get("total").asInt()).isEqualTo(1);
    JsonNode page = list("search", "invoice", "limit", "2", "offset", "2");
    assertThat(page.get("tasks")).hasSize(1);
    assertThat(page.get("total").asInt()).isEqualTo(3);
  }

  @Test
  void refusesWithoutAKeyAndWithBadBodies() {
    Response anonymous = RESOURCES.target("/public/v1/tasks").request().get();
    assertThat(anonymous.getStatus()).isEqualTo(401);
    assertThat(anonymous.getHeaderString("WWW-Authenticate")).isEqualTo("Bearer");
    assertThat(anonymous.readEntity(JsonNode.class).get("detail").asText())
        .isEqualTo("missing_api_key");

    Response invalidJson = call("POST", "/public/v1/tasks", "{\"name\": ");
    assertThat(invalidJson.getStatus()).isEqualTo(400);
    assertThat(invalidJson.readEntity(JsonNode.class).get("detail").asText())
        .isEqualTo("invalid_json");

    Response badId = call("PUT", "/public/v1/tasks/1-2-3-4-5", DEFINITION.formatted("x"));
    assertThat(badId.getStatus()).isEqualTo(400);
    assertThat(badId.readEntity(JsonNode.class).get("detail").asText())
        .isEqualTo("invalid_task_id");
  }
}
