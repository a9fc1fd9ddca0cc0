package dev.kestrel.server.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kestrel.server.config.KestrelConfiguration;
import dev.kestrel.server.support.ApiClient;
import dev.kestrel.server.support.TestApps;
import io.dropwizard.testing.junit5.DropwizardAppExtension;
import io.dropwizard.testing.junit5.DropwizardExtensionsSupport;
import java.net.http.HttpRequest;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Acceptance 7: every bad request is a 4xx with {"detail": ...}, never a 5xx, and creates no run.
 */
@ExtendWith(DropwizardExtensionsSupport.class)
class BadInputIT {
  static final DropwizardAppExtension<KestrelConfiguration> APP = TestApps.shared();
  static ApiClient api;
  static String taskId;

  @BeforeAll
  static void createTask() {
    api = TestApps.api(APP);
    taskId =
        TestApps.createTask(
            api,
            """
            {"name": "Typed inputs",
             "inputs": {"url": {"type": "string", "required": true},
                        "count": {"type": "number", "default": 3},
                        "flags": {"type": "object"}},
             "steps": [{"id": "p", "action": "waitFor", "ms": 1}]}
            """);
  }

  static Stream<Arguments> badRunBodies() {
    return Stream.of(
        Arguments.of("invalid JSON", "{\"inputs\": ", 400, "invalid_json"),
        Arguments.of("a JSON array", "[1, 2]", 400, "body"),
        Arguments.of("inputs not an object", "{\"inputs\": [\"x\"]}", 400, "inputs"),
        Arguments.of(
            "an undeclared input",
            "{\"inputs\": {\"url\": \"http://127.0.0.1/\", \"nope\": 1}}",
            400,
            "nope"),
        Arguments.of("a missing required input", "{\"inputs\": {\"count\": 1}}", 400, "url"),
        Arguments.of(
            "a wrong input type",
            "{\"inputs\": {\"url\": \"http://127.0.0.1/\", \"count\": \"three\"}}",
            400,
            "count"),
        Arguments.of(
            "a clientRequestId too long",
            "{\"inputs\": {\"url\": \"u\"}, \"clientRequestId\": \"" + "k".repeat(256) + "\"}",
            400,
            "clientRequestId"),
        Arguments.of(
            "an empty clientRequestId",
            "{\"inputs\": {\"url\": \"u\"}, \"clientRequestId\": \"\"}",
            400,
            "clientRequestId"),
        Arguments.of(
            "a clientRequestId not a string",
            "{\"inputs\": {\"url\": \"u\"}, \"clientRequestId\": 123}",
            400,
            "clientRequestId"),
        Arguments.of(
            "a key given twice",
            "{\"inputs\": {\"url\": \"u\", \"url\": \"v\"}}",
            400,
            "appears twice"),
        Arguments.of(
            "nesting 100 deep",
            "{\"inputs\": {\"url\": \"u\", \"flags\": "
                + "{\"a\": ".repeat(100)
                + "1"
                + "}".repeat(100)
                + "}}",
            400,
            "nests deeper"),
        Arguments.of(
            "a 2 MB body",
            "{\"inputs\": {\"url\": \"" + "x".repeat(2 * 1024 * 1024) + "\"}}",
            413,
            "request_too_large"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badRunBodies")
  void badRunRequestsAreRefusedAndCreateNoRun(String what, String body, int status, String named) {
    ApiClient.Answer answer = api.post("/public/v1/tasks/" + taskId + "/runs", body);

    assertThat(answer.status()).as(what).isEqualTo(status);
    assertThat(answer.json().has("detail")).as(what).isTrue();
    assertThat(answer.json().get("detail").toString()).as(what).contains(named);
    assertThat(api.get("/public/v1/tasks/" + taskId + "/runs").json().get("runs"))
        .as(what)
        .isEmpty();
  }

  @Test
  void aChunkedBodyOverTheLimitIsRefusedToo() {
    byte[] big = ("{\"inputs\": {\"url\": \"" + "x".repeat(2 * 1024 * 1024) + "\"}}").getBytes();
    ApiClient.Answer answer =
        api.send(
            api.request("/public/v1/tasks/" + taskId + "/runs")
                .POST(
                    HttpRequest.BodyPublishers.ofInputStream(
                        () -> new java.io.ByteArrayInputStream(big))));

    assertThat(answer.status()).isEqualTo(413);
    assertThat(answer.json().get("detail").asText()).isEqualTo("request_too_large");
  }

  static Stream<Arguments> badIds() {
    return Stream.of(
        Arguments.of("GET", "/public/v1/tasks/1-2-3-4-5", "invalid_task_id"),
        Arguments.of("POST", "/public/v1/tasks/1-2-3-4-5/runs", "invalid_task_id"),
        Arguments.of("GET", "/public/v1/tasks/not-a-uuid/runs", "invalid_task_id"),
        Arguments.of("GET", "/public/v1/task-runs/1-2-3-4-5", "invalid_run_id"),
        Arguments.of(
            "GET",
            "/public/v1/task-runs/zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz/logs",
            "invalid_run_id"),
        Arguments.of("POST", "/public/v1/task-runs/12345/cancel", "invalid_run_id"),
        Arguments.of(
            "GET",
            "/public/v1/task-runs/0c5e2c1e-5a49-4b0e-9a3f-2f0e6c1d2b3a0/logs",
            "invalid_run_id"));
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("badIds")
  void nonCanonicalIdsAre400(String method, String path, String detail) {
    ApiClient.Answer answer = method.equals("GET") ? api.get(path) : api.post(path, "{}");

    assertThat(answer.status()).isEqualTo(400);
    assertThat(answer.json().get("detail").asText()).isEqualTo(detail);
  }

  @Test
  void unknownObjectsAre404WithTheirCode() {
    String unknown = "0c5e2c1e-5a49-4b0e-9a3f-2f0e6c1d2b3a";
    assertThat(
            api.post("/public/v1/tasks/" + unknown + "/runs", "{}").json().get("detail").asText())
        .isEqualTo("task_not_found");
    assertThat(api.get("/public/v1/tasks/" + unknown + "/runs").status()).isEqualTo(404);
    assertThat(api.get("/public/v1/task-runs/" + unknown).json().get("detail").asText())
        .isEqualTo("run_not_found");
    assertThat(api.get("/public/v1/task-runs/" + unknown + "/logs").status()).isEqualTo(404);
    assertThat(api.post("/public/v1/task-runs/" + unknown + "/cancel", "{}").status())
        .isEqualTo(404);
    assertThat(api.get("/public/v1/nothing-here").status()).isEqualTo(404);
    assertThat(api.get("/public/v1/nothing-here").json().has("detail")).isTrue();
  }

  @Test
  void badQueryParametersAre400() {
    assertThat(api.get("/public/v1/tasks?limit=0").status()).isEqualTo(400);
    assertThat(api.get("/public/v1/tasks?limit=abc").status()).isEqualTo(400);
    assertThat(api.get("/public/v1/tasks?status=DONE").status()).isEqualTo(400);
    assertThat(
            api.get("/public/v1/task-runs/0c5e2c1e-5a49-4b0e-9a3f-2f0e6c1d2b3a?waitForFinish=61")
                .status())
        .isEqualTo(400);
    assertThat(api.get("/public/v1/task-runs?status=DONE").status()).isEqualTo(400);
  }

  @Test
  void invalidTaskDefinitionsNameEveryProblem() {
    int tasksBefore = api.get("/public/v1/tasks").json().get("total").asInt();
    ApiClient.Answer answer =
        api.post(
            "/public/v1/tasks",
            """
            {"name": "", "surprise": 1, "timeoutSeconds": 0,
             "inputs": {"a": {"type": "date"}},
             "steps": [
               {"id": "one", "action": "teleport"},
               {"id": "one", "action": "click"},
               {"action": "goto", "url": "{{inputs.missing}}"},
               {"id": "w", "action": "waitFor"}
             ],
             "schedule": {"cron": "not a cron", "timezone": "Mars/Olympus"}}
            """);

    assertThat(answer.status()).isEqualTo(400);
    String detail = answer.json().get("detail").toString();
    assertThat(detail)
        .contains(
            "\"name\"",
            "surprise",
            "timeoutSeconds",
            "type",
            "teleport",
            "selector",
            "used twice",
            "every step needs an id",
            "inputs.missing",
            "either 'selector' or 'ms'",
            "cron",
            "Mars/Olympus");
    assertThat(api.get("/public/v1/tasks").json().get("total").asInt())
        .as("nothing saved")
        .isEqualTo(tasksBefore);
  }

  @Test
  void aDraftTaskCannotRun() {
    String draft =
        TestApps.createTask(
            api,
            "{\"name\": \"Draft\", \"status\": \"DRAFT\", \"steps\": [{\"id\": \"p\", \"action\": \"waitFor\", \"ms\": 1}]}");
    ApiClient.Answer answer = api.post("/public/v1/tasks/" + draft + "/runs", "{}");

    assertThat(answer.status()).isEqualTo(400);
    assertThat(answer.json().get("detail").asText()).isEqualTo("task_not_ready");
    assertThat(api.get("/public/v1/tasks/" + draft + "/runs").json().get("runs")).isEmpty();
    api.delete("/public/v1/tasks/" + draft);
  }
}
