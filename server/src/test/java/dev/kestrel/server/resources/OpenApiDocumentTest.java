package dev.kestrel.server.resources;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kestrel.server.support.OpenApiContract;
import java.net.URI;
import java.net.http.HttpHeaders;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The OpenAPI document is well formed, and the contract the integration tests hold answers to
 * rejects what the document does not say (so a test passing through it means something).
 */
class OpenApiDocumentTest {
  private static final OpenApiContract CONTRACT = OpenApiContract.get();
  private static final JsonNode DOC = CONTRACT.document();
  private static final String RUN_ID = "9c77d908-7bf4-4e7f-9a20-2c5e7fdf2e94";
  private static final String TASK_ID = "79c6b1aa-24d1-45b3-8c94-9a2e2a2f55bc";
  private static final String RUN =
      """
      {"id": "%s", "taskId": "%s", "status": "RUNNING", "triggerType": "api",
       "timestamps": {"createdAt": "2025-10-14T18:21:52.123Z", "startedAt": "2025-10-14T18:22:03.481Z", "finishedAt": null},
       "progress": {"currentStep": 2, "stepsTotal": 5}, "inputs": {"url": "https://example.com"}, "outputs": {},
       "logsUrl": null, "error": null, "cancelReason": null, "artifacts": [],
       "waitingFor": null}"""
          .formatted(RUN_ID, TASK_ID);

  @Test
  void isOpenApi31WithEveryOperationNamedAndAnswered() {
    assertThat(DOC.get("openapi").asText()).isEqualTo("3.1.0");
    Set<String> operationIds = new HashSet<>();
    DOC.get("paths")
        .properties()
        .forEach(
            path ->
                path.getValue()
                    .properties()
                    .forEach(
                        op -> {
                          if (op.getKey().equals("parameters")) {
                            return;
                          }
                          assertThat(op.getValue().has("responses"))
                              .as(path.getKey() + " " + op.getKey())
                              .isTrue();
                          assertThat(operationIds.add(op.getValue().get("operationId").asText()))
                              .as("unique operationId")
                              .isTrue();
                        }));
    assertThat(operationIds)
        .contains(
            "queueRun",
            "getRun",
            "getRunLogs",
            "cancelRun",
            "listTaskRuns",
            "listRuns",
            "createTask",
            "listTasks",
            "createWebhookEndpoint",
            "listWebhookDeliveries",
            "getRunArtifact",
            "getOpenApiJson");
    assertThat(DOC.get("webhooks").properties().stream().map(Map.Entry::getKey))
        .containsExactlyInAnyOrder(
            "task-run.started",
            "task-run.completed",
            "task-run.failed",
            "task-run.cancelled",
            "task-run.log",
            "task-run.waiting");
  }

  @Test
  void everyReferenceResolves() {
    List<String> refs = new ArrayList<>();
    collectRefs(DOC, refs);
    assertThat(refs).isNotEmpty();
    for (String ref : refs) {
      assertThat(ref).startsWith("#/");
      assertThat(DOC.at(ref.substring(1)).isMissingNode()).as(ref).isFalse();
    }
  }

  @Test
  void everySchemaCompilesAndReadsItsExample() throws Exception {
    DOC.at("/components/schemas")
        .fieldNames()
        .forEachRemaining(
            name ->
                assertThatCode(
                        () ->
                            CONTRACT.validate(
                                "/components/schemas/" + name,
                                new ObjectMapper().createObjectNode()))
                    .as(name)
                    .doesNotThrowAnyException());
    assertThat(CONTRACT.validate("/components/schemas/Run", new ObjectMapper().readTree(RUN)))
        .isEmpty();
  }

  @Test
  void everyPathParameterIsDeclared() {
    Pattern parameter = Pattern.compile("\\{([^}]+)}");
    DOC.get("paths")
        .properties()
        .forEach(
            path -> {
              Matcher m = parameter.matcher(path.getKey());
              while (m.find()) {
                String name = m.group(1);
                List<String> declared = new ArrayList<>();
                path.getValue()
                    .path("parameters")
                    .forEach(p -> declared.add(resolve(p).get("name").asText()));
                assertThat(declared).as(path.getKey()).contains(name);
              }
            });
  }

  @Test
  void servedAsJsonAndYamlAlike() throws Exception {
    OpenApiResource resource = new OpenApiResource(new ObjectMapper());
    assertThat(new ObjectMapper().readTree(resource.json())).isEqualTo(DOC);
    assertThat(resource.yaml()).contains("openapi: 3.1.0");
  }

  @Test
  void contractAcceptsWhatTheDocumentSays() {
    assertThatCode(
            () ->
                CONTRACT.check(
                    "GET",
                    uri("/public/v1/task-runs/" + RUN_ID),
                    200,
                    json(),
                    "{\"run\": " + RUN + "}"))
        .doesNotThrowAnyException();
    assertThatCode(
            () ->
                CONTRACT.check(
                    "POST",
                    uri("/public/v1/tasks/" + TASK_ID + "/runs"),
                    429,
                    headers(Map.of("Content-Type", "application/json", "Retry-After", "1")),
                    "{\"detail\": \"rate_limited\"}"))
        .doesNotThrowAnyException();
    // Not the document's business: the admin port, and unknown paths that are 404.
    assertThatCode(() -> CONTRACT.check("GET", uri("/healthcheck"), 200, json(), "{}"))
        .doesNotThrowAnyException();
    assertThatCode(
            () ->
                CONTRACT.check("GET", uri("/public/v1/nothing"), 404, json(), "{\"detail\":\"x\"}"))
        .doesNotThrowAnyException();
  }

  @Test
  void contractRejectsWhatTheDocumentDoesNotSay() {
    String withoutCancelReason = RUN.replace(", \"cancelReason\": null", "");
    assertThat(withoutCancelReason).isNotEqualTo(RUN);
    assertThatThrownBy(
            () ->
                CONTRACT.check(
                    "GET",
                    uri("/public/v1/task-runs/" + RUN_ID),
                    200,
                    json(),
                    "{\"run\": " + withoutCancelReason + "}"))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("cancelReason");
    String extraField = RUN.replace("\"logsUrl\": null", "\"logsUrl\": null, \"priority\": 3");
    assertThatThrownBy(
            () ->
                CONTRACT.check(
                    "GET",
                    uri("/public/v1/task-runs/" + RUN_ID),
                    200,
                    json(),
                    "{\"run\": " + extraField + "}"))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("priority");
    assertThatThrownBy(
            () ->
                CONTRACT.check(
                    "GET",
                    uri("/public/v1/task-runs/" + RUN_ID),
                    418,
                    json(),
                    "{\"detail\": \"teapot\"}"))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("not documented");
    assertThatThrownBy(
            () ->
                CONTRACT.check(
                    "POST",
                    uri("/public/v1/tasks/" + TASK_ID + "/runs"),
                    429,
                    json(),
                    "{\"detail\": \"rate_limited\"}"))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("Retry-After");
    assertThatThrownBy(
            () -> CONTRACT.check("GET", uri("/public/v1/secret-admin"), 200, json(), "{}"))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("no such path");
    assertThatThrownBy(
            () ->
                CONTRACT.check(
                    "GET",
                    uri("/public/v1/task-runs/" + RUN_ID + "/logs"),
                    200,
                    headers(Map.of("Content-Type", "text/html")),
                    "<html>"))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("content type");
  }

  private static JsonNode resolve(JsonNode node) {
    return node.has("$ref") ? DOC.at(node.get("$ref").asText().substring(1)) : node;
  }

  private static void collectRefs(JsonNode node, List<String> into) {
    if (node.isObject()) {
      node.properties()
          .forEach(
              e -> {
                if (e.getKey().equals("$ref")) {
                  into.add(e.getValue().asText());
                } else {
                  collectRefs(e.getValue(), into);
                }
              });
    } else if (node.isArray()) {
      node.forEach(n -> collectRefs(n, into));
    }
  }

  private static URI uri(String path) {
    return URI.create("http://127.0.0.1:8080" + path);
  }

  private static HttpHeaders json() {
    return headers(Map.of("Content-Type", "application/json"));
  }

  private static HttpHeaders headers(Map<String, String> values) {
    Map<String, List<String>> map = new java.util.HashMap<>();
    values.forEach((k, v) -> map.put(k, List.of(v)));
    return HttpHeaders.of(map, (k, v) -> true);
  }
}
