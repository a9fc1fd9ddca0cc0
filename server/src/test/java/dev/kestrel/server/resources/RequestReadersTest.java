package dev.kestrel.server.resources;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kestrel.server.core.InvalidRequest;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The JSON object reader and the small request bodies read with it: every problem named, in one
 * answer.
 */
class RequestReadersTest {
  static final ObjectMapper JSON = JsonObjectReader.strict(new ObjectMapper());

  private static JsonObjectReader body(String json) {
    return JsonObjectReader.body(JSON, json.getBytes(StandardCharsets.UTF_8), true);
  }

  @SuppressWarnings("unchecked")
  private static List<Map<String, Object>> problems(Runnable read) {
    try {
      read.run();
    } catch (InvalidRequest e) {
      return (List<Map<String, Object>>) e.detail();
    }
    throw new AssertionError("accepted");
  }

  private static List<String> locs(List<Map<String, Object>> problems) {
    return problems.stream().map(p -> p.get("loc").toString()).toList();
  }

  @Test
  void typedGettersReturnValuesAndNameEachBadFieldOnce() {
    JsonObjectReader reader =
        body(
            """
        {"name": "n", "blank": " ", "long": "xxxxxx", "count": 7, "big": 70, "half": 1.5, "obj": {"a": 1}, "list": [1],
         "none": null, "extra": true}
        """);
    reader.allowOnly(
        Set.of("name", "blank", "long", "count", "big", "half", "obj", "list", "none"));

    assertThat(reader.requiredString("name", 10)).isEqualTo("n");
    assertThat(reader.requiredString("blank", 10)).isNull();
    assertThat(reader.requiredString("absent", 10)).isNull();
    assertThat(reader.optionalString("long", 5)).isNull();
    assertThat(reader.optionalString("none", 5)).as("null is absent").isNull();
    assertThat(reader.optionalInt("count", 1, 10)).isEqualTo(7);
    assertThat(reader.optionalInt("big", 1, 10)).isNull();
    assertThat(reader.optionalInt("half", 1, 10)).isNull();
    assertThat(reader.optionalObject("obj", "must be an object")).isNotNull();
    assertThat(reader.optionalObject("list", "must be an object")).isNull();
    assertThat(reader.has("none")).isFalse();

    List<Map<String, Object>> problems = problems(reader::throwIfAny);
    assertThat(locs(problems))
        .containsExactly(
            "[body, extra]",
            "[body, blank]",
            "[body, absent]",
            "[body, long]",
            "[body, big]",
            "[body, half]",
            "[body, list]");
    assertThat(problems)
        .extracting(p -> p.get("type"))
        .containsExactly(
            "extra_forbidden",
            "type_error",
            "missing",
            "type_error",
            "value_error",
            "value_error",
            "type_error");
    assertThat(problems.get(0).get("msg")).isEqualTo("unknown field 'extra'");
    assertThat(problems.get(4).get("msg")).isEqualTo("big must be a whole number from 1 to 10");
  }

  @Test
  void nestedReadersReportUnderTheirOwnLocation() {
    JsonObjectReader reader = body("{\"schedule\": {\"cron\": 5, \"zone\": \"x\"}}");
    JsonObjectReader schedule =
        reader
            .object("schedule", reader.optionalObject("schedule", "object"))
            .allowOnly(Set.of("cron"));
    schedule.requiredString("cron", 100);

    assertThat(locs(problems(reader::throwIfAny)))
        .containsExactly("[body, schedule, zone]", "[body, schedule, cron]");
  }

  @Test
  void bodiesThatAreNotOneJsonObjectAreRefusedWithTheirReason() {
    assertThat(problems(() -> JsonObjectReader.body(JSON, "[]".getBytes(), true)).get(0).get("msg"))
        .isEqualTo("the body must be a JSON object");
    assertThat(problems(() -> JsonObjectReader.body(JSON, new byte[0], false)).get(0).get("type"))
        .isEqualTo("missing");
    assertThatThrownBy(() -> JsonObjectReader.body(JSON, "{\"a\": ".getBytes(), true))
        .isInstanceOfSatisfying(
            InvalidRequest.class, e -> assertThat(e.detail()).isEqualTo("invalid_json"));
    assertThat(JsonObjectReader.body(JSON, "\n ".getBytes(), true).node().isEmpty()).isTrue();
  }

  private static String nested(int depth) {
    return "{\"a\": ".repeat(depth) + "1" + "}".repeat(depth);
  }

  @Test
  void aKeyGivenTwiceAndNestingBeyondTheLimitAreRefusedNotGuessed() {
    assertThat(
            problems(() -> body("{\"inputs\": {\"url\": \"u\", \"url\": \"v\"}}"))
                .get(0)
                .get("msg")
                .toString())
        .startsWith("a key appears twice in one object: Duplicate field 'url'");
    assertThat(
            problems(() -> body("{\"x\": " + nested(JsonObjectReader.MAX_NESTING_DEPTH) + "}"))
                .get(0)
                .get("msg"))
        .isEqualTo("the body nests deeper than 64 levels");
    assertThat(body("{\"x\": " + nested(JsonObjectReader.MAX_NESTING_DEPTH - 2) + "}").has("x"))
        .isTrue();
    assertThat(
            new ObjectMapper()
                .isEnabled(
                    com.fasterxml.jackson.core.JsonParser.Feature.STRICT_DUPLICATE_DETECTION))
        .as("the base mapper is left as it was")
        .isFalse();
  }

  @Test
  void aQueueRequestTakesInputsAndAnIdempotencyKeyOnly() {
    QueueRunRequest request =
        QueueRunRequest.read(body("{\"inputs\": {\"url\": \"u\"}, \"clientRequestId\": \"k-1\"}"));
    assertThat(request.inputs().get("url").asText()).isEqualTo("u");
    assertThat(request.clientRequestId()).isEqualTo("k-1");
    assertThat(QueueRunRequest.read(body("")).inputs()).isNull();

    List<Map<String, Object>> problems =
        problems(
            () ->
                QueueRunRequest.read(
                    body("{\"inputs\": [1], \"clientRequestId\": \"\", \"priority\": 1}")));
    assertThat(locs(problems))
        .containsExactly("[body, priority]", "[body, inputs]", "[body, clientRequestId]");
    assertThat(problems.get(2).get("msg"))
        .isEqualTo("clientRequestId must be a string of 1 to 255 characters");
    assertThat(
            locs(
                problems(
                    () ->
                        QueueRunRequest.read(
                            body("{\"clientRequestId\": \"" + "k".repeat(256) + "\"}")))))
        .containsExactly("[body, clientRequestId]");
    assertThat(
            QueueRunRequest.read(body("{\"profile\": {\"name\": \"shop\", \"save\": \"never\"}}"))
                .profile()
                .name())
        .as("extension: the run's profile")
        .isEqualTo("shop");
    assertThat(locs(problems(() -> QueueRunRequest.read(body("{\"profile\": \"shop\"}")))))
        .containsExactly("[body, profile]");
  }

  @Test
  void aCancelRequestTakesAReasonOfAtMost1024Characters() {
    assertThat(CancelRunRequest.read(body("{\"reason\": \"no longer needed\"}")).reason())
        .isEqualTo("no longer needed");
    assertThat(CancelRunRequest.read(body("")).reason()).isNull();
    assertThat(CancelRunRequest.read(body("{\"reason\": \"" + "r".repeat(1024) + "\"}")).reason())
        .hasSize(1024);

    assertThat(
            locs(
                problems(
                    () ->
                        CancelRunRequest.read(body("{\"reason\": \"" + "r".repeat(1025) + "\"}")))))
        .containsExactly("[body, reason]");
    assertThat(locs(problems(() -> CancelRunRequest.read(body("{\"reason\": 5, \"why\": \"x\"}")))))
        .containsExactly("[body, why]", "[body, reason]");
  }
}
