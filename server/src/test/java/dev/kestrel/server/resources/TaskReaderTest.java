package dev.kestrel.server.resources;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kestrel.model.ScheduleSpec;
import dev.kestrel.model.StepSpec;
import dev.kestrel.server.core.InvalidRequest;
import io.dropwizard.jackson.Jackson;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TaskReaderTest {
  final ObjectMapper mapper = Jackson.newObjectMapper();
  final TaskReader reader = new TaskReader(mapper, 200, 86_400);

  private static byte[] json(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  private List<Map<String, Object>> problems(String text) throws Exception {
    return problems(reader, text);
  }

  @SuppressWarnings("unchecked")
  private static List<Map<String, Object>> problems(TaskReader reader, String text)
      throws Exception {
    try {
      reader.read(json(text));
    } catch (InvalidRequest e) {
      return (List<Map<String, Object>>) e.detail();
    }
    throw new AssertionError("accepted: " + text);
  }

  @Test
  void acceptsTheSpecExampleWithDefaults() throws Exception {
    TaskReader.TaskRequest valid =
        reader.read(
            json(
                """
            {"name": "Order status lookup",
             "inputs": {"url": {"type": "string", "required": true}, "orderId": {"type": "string", "default": "48219"}},
             "steps": [
               {"id": "open_order", "action": "goto", "url": "{{inputs.url}}"},
               {"id": "search", "action": "fill", "selector": "#order", "value": "{{inputs.orderId}}"},
               {"id": "submit", "action": "click", "selector": "button[type=submit]"},
               {"id": "wait_result", "action": "waitFor", "selector": "#status", "timeoutMs": 10000},
               {"id": "read_status", "action": "extract", "selector": "#status", "output": "status"},
               {"id": "snapshot", "action": "screenshot", "output": "page"}
             ],
             "timeoutSeconds": 300, "schedule": null}
            """));

    assertThat(valid.status()).isEqualTo("READY");
    assertThat(valid.definition().steps())
        .hasSize(6)
        .extracting(StepSpec::id)
        .startsWith("open_order", "search");
    assertThat(valid.definition().inputs().get("orderId").defaultValue()).isEqualTo("48219");
    assertThat(valid.definition().inputs().get("url").mustBeGiven()).isTrue();
    assertThat(valid.definition().timeoutSeconds()).isEqualTo(300);
  }

  @Test
  void everyActionOfTheSpecIsAccepted() throws Exception {
    TaskReader.TaskRequest valid =
        reader.read(
            json(
                """
        {"name": "All actions", "status": "DRAFT", "steps": [
          {"id": "a", "action": "goto", "url": "https://example.com"},
          {"id": "b", "action": "click", "selector": "#x"},
          {"id": "c", "action": "fill", "selector": "#x", "value": "v"},
          {"id": "d", "action": "press", "selector": "#x", "key": "Enter"},
          {"id": "e", "action": "select", "selector": "#x", "value": "v"},
          {"id": "f", "action": "check", "selector": "#x", "checked": false},
          {"id": "g", "action": "hover", "selector": "#x"},
          {"id": "h", "action": "waitFor", "selector": "#x", "state": "detached"},
          {"id": "i", "action": "waitFor", "ms": 100},
          {"id": "j", "action": "extract", "selector": "a", "attribute": "href", "all": true, "output": "links"},
          {"id": "k", "action": "extract", "selector": "#x", "mode": "html", "output": "html"},
          {"id": "l", "action": "screenshot", "fullPage": true, "output": "shot"},
          {"id": "m", "action": "assert", "selector": "#x", "textContains": "ok", "message": "not ok"},
          {"id": "n", "action": "assert", "selector": "#x", "visible": false}
        ], "schedule": {"cron": "*/5 * * * *", "timezone": "Europe/Berlin"}}
        """));

    assertThat(valid.status()).isEqualTo("DRAFT");
    assertThat(valid.definition().steps()).hasSize(14);
    assertThat(valid.definition().schedule().cron()).isEqualTo("*/5 * * * *");
  }

  @Test
  void onceMarksAStepOfAnyActionAndMustBeABoolean() throws Exception {
    TaskReader.TaskRequest valid =
        reader.read(
            json(
                """
            {"name": "Order", "steps": [
              {"id": "open", "action": "goto", "url": "https://shop.example/"},
              {"id": "pay", "action": "click", "selector": "#pay", "once": true}
            ]}
            """));
    assertThat(valid.definition().steps())
        .extracting(StepSpec::runsOnce)
        .containsExactly(false, true);

    assertThat(
            problems(
                """
            {"name": "Order", "steps": [{"id": "pay", "action": "click", "selector": "#pay", "once": "yes"}]}
            """))
        .extracting(p -> p.get("loc").toString())
        .containsExactly("[body, steps, 0, once]");
  }

  @Test
  void resumeIsCheckpointOrRestart() throws Exception {
    TaskReader.TaskRequest restart =
        reader.read(
            json(
                """
            {"name": "Restarts", "resume": "restart", "steps": [{"id": "w", "action": "waitFor", "ms": 1}]}
            """));
    assertThat(restart.definition().resume()).isEqualTo(dev.kestrel.model.ResumeMode.RESTART);
    assertThat(
            problems(
                """
            {"name": "Bad", "resume": "sometimes", "steps": [{"id": "w", "action": "waitFor", "ms": 1}]}
            """))
        .extracting(p -> p.get("loc").toString())
        .containsExactly("[body, resume]");
  }

  @Test
  void namesEveryProblemWithItsLocation() throws Exception {
    List<Map<String, Object>> problems =
        problems(
            """
        {"steps": [
          {"id": "x", "action": "click", "selector": 3, "url": "u"},
          {"id": "x", "action": "extract", "selector": "#a", "mode": "pdf", "attribute": "href"},
          {"id": "y", "action": "fill", "selector": "#a", "value": "{{outputs.later}}"},
          {"id": "z", "action": "waitFor", "ms": 10, "selector": "#a"},
          {"id": "w", "action": "assert", "selector": "#a"}
        ]}
        """);

    assertThat(problems)
        .extracting(p -> p.get("loc").toString())
        .contains(
            "[body, name]",
            "[body, steps, 0, selector]",
            "[body, steps, 0, url]",
            "[body, steps, 1, id]",
            "[body, steps, 1]",
            "[body, steps, 1, mode]",
            "[body, steps, 2, value]",
            "[body, steps, 3]",
            "[body, steps, 4]");
  }

  @Test
  void refusesDefaultsOfTheWrongTypeAndUnknownInputTypes() throws Exception {
    List<Map<String, Object>> problems =
        problems(
            """
        {"name": "t", "inputs": {"n": {"type": "number", "default": "three"}, "d": {"type": "date"}, "bad name": {"type": "string"}},
         "steps": [{"id": "a", "action": "waitFor", "ms": 1}]}
        """);

    assertThat(problems)
        .extracting(p -> p.get("loc").toString())
        .contains(
            "[body, inputs, n, default]", "[body, inputs, d, type]", "[body, inputs, bad name]");
  }

  @Test
  void scheduleInputsAreCheckedAgainstTheTask() throws Exception {
    List<Map<String, Object>> problems =
        problems(
            """
        {"name": "t", "inputs": {"url": {"type": "string", "required": true}},
         "steps": [{"id": "a", "action": "goto", "url": "{{inputs.url}}"}],
         "schedule": {"cron": "0 9 * * 1", "inputs": {"other": 1}}}
        """);

    assertThat(problems)
        .extracting(p -> p.get("loc").toString())
        .contains("[body, schedule, inputs, other]", "[body, schedule, inputs, url]");
  }

  @Test
  void scheduleOptionsAreValidatedAndDefaulted() throws Exception {
    List<Map<String, Object>> problems =
        problems(
            """
        {"name": "t", "steps": [{"id": "a", "action": "waitFor", "ms": 1}],
         "schedule": {"cron": "0 0 9 * * 1", "overlap": "sometimes", "catchupWindowSeconds": 5, "paused": "yes", "note": 7}}
        """);
    assertThat(problems)
        .extracting(p -> p.get("loc").toString())
        .containsExactlyInAnyOrder(
            "[body, schedule, cron]",
            "[body, schedule, overlap]",
            "[body, schedule, catchupWindowSeconds]",
            "[body, schedule, paused]",
            "[body, schedule, note]");

    ScheduleSpec read =
        reader
            .read(
                """
        {"name": "t", "steps": [{"id": "a", "action": "waitFor", "ms": 1}],
         "schedule": {"cron": "*/5 * * * *", "nextRunAt": "2026-01-01T00:00:00.000Z"}}
        """
                    .getBytes())
            .definition()
            .schedule();
    assertThat(read.timezone()).isEqualTo("UTC");
    assertThat(read.overlap()).isEqualTo(ScheduleSpec.SKIP);
    assertThat(read.catchupWindowSeconds()).isEqualTo(ScheduleSpec.DEFAULT_CATCHUP_WINDOW_SECONDS);
    assertThat(read.isPaused()).isFalse();
    assertThat(read.nextRunAt())
        .as("read-only: a task read and sent back is accepted, the field ignored")
        .isNull();
  }

  @Test
  void aBodyThatIsNotAnObjectIsRefused() {
    assertThatThrownBy(() -> JsonObjectReader.body(mapper, "[1]".getBytes(), false))
        .isInstanceOf(InvalidRequest.class);
    assertThatThrownBy(() -> JsonObjectReader.body(mapper, "{".getBytes(), false))
        .isInstanceOfSatisfying(
            InvalidRequest.class, e -> assertThat(e.detail()).isEqualTo("invalid_json"));
    assertThatThrownBy(() -> JsonObjectReader.body(mapper, " ".getBytes(), false))
        .isInstanceOf(InvalidRequest.class);
    assertThat(JsonObjectReader.body(mapper, " ".getBytes(), true).node().size()).isZero();
  }

  @Test
  void anInputStepIsCheckedFieldByFieldAndItsAnswersOnlyWhereTheyMayGo() throws Exception {
    TaskReader.TaskRequest valid =
        reader.read(
            json(
                """
        {"name": "Code", "steps": [
          {"id": "otp", "action": "input", "prompt": "Code?", "timeoutSeconds": 600,
           "onTimeout": "continue", "fields": {
             "code": {"type": "secret", "label": "Code", "pattern": "[0-9]{6}"},
             "n": {"type": "number", "required": false}, "ok": {"type": "boolean"}}},
          {"id": "type", "action": "fill", "selector": "#c", "value": "{{input.otp.code}}"},
          {"id": "go", "action": "goto", "url": "https://example.com/?n={{input.otp.n}}"}
        ]}
        """));
    StepSpec input = valid.definition().steps().get(0);
    assertThat(input.waitsForInput()).isTrue();
    assertThat(input.fields().get("code").isSecret()).isTrue();
    assertThat(input.fields().get("n").mustBeGiven()).isFalse();
    assertThat(input.inputTimeoutSeconds()).isEqualTo(600);
    assertThat(input.continuesOnTimeout()).isTrue();

    assertThat(
            problems(
                """
        {"name": "Bad", "steps": [
          {"id": "early", "action": "goto", "url": "https://example.com/{{input.otp.code}}"},
          {"id": "otp", "action": "input", "prompt": "Code?", "timeoutSeconds": 0,
           "onTimeout": "retry", "fields": {
             "code": {"type": "secret"}, "n": {"type": "integer"}, "b": {"type": "boolean",
             "pattern": "x"}, "r": {"type": "string", "pattern": "("}, "x": {"type": "string",
             "size": 3}, "9": {"type": "string"}}},
          {"id": "url", "action": "goto", "url": "https://example.com/{{input.otp.code}}"},
          {"id": "nope", "action": "fill", "selector": "#c", "value": "{{input.otp.none}}"},
          {"id": "empty", "action": "input", "prompt": "?", "fields": {}},
          {"id": "none", "action": "input", "fields": {"a": {"type": "string"}}}
        ]}
        """))
        .extracting(p -> p.get("loc").toString() + " " + p.get("type"))
        .containsExactlyInAnyOrder(
            "[body, steps, 0, url] value_error",
            "[body, steps, 1, timeoutSeconds] type_error",
            "[body, steps, 1, onTimeout] enum",
            "[body, steps, 1, fields, n, type] enum",
            "[body, steps, 1, fields, b, pattern] value_error",
            "[body, steps, 1, fields, r, pattern] value_error",
            "[body, steps, 1, fields, x, size] extra_forbidden",
            "[body, steps, 1, fields, 9] value_error",
            "[body, steps, 2, url] value_error",
            "[body, steps, 3, value] value_error",
            "[body, steps, 4, fields] value_error",
            "[body, steps, 5, prompt] missing");
  }

  @Test
  void whenRetriesOptionalAndTheNewActionsAreCheckedByPath() throws Exception {
    TaskReader.TaskRequest valid =
        reader.read(
            json(
                """
        {"name": "Modifiers", "inputs": {"x": {"type": "string"}}, "steps": [
          {"id": "a", "action": "click", "selector": "#b", "when": {"exists": "#b"},
           "retries": {"max": 3, "delayMs": 50}, "optional": true},
          {"id": "b", "action": "goto", "url": "https://example.com", "allowErrorStatus": true,
           "when": {"equals": ["{{inputs.x}}", "yes"]}},
          {"id": "c", "action": "evaluate", "expression": "1 + 1", "output": "two"},
          {"id": "d", "action": "scroll", "to": "bottom"}
        ]}
        """));
    StepSpec first = valid.definition().steps().get(0);
    assertThat(first.when().exists()).isEqualTo("#b");
    assertThat(first.attempts()).isEqualTo(4);
    assertThat(first.retries().delay()).isEqualTo(50);
    assertThat(first.mayFail()).isTrue();

    assertThat(
            problems(
                """
        {"name": "Bad", "steps": [
          {"id": "a", "action": "click", "selector": "#b", "when": {"exists": "#b", "missing": "#c"}},
          {"id": "b", "action": "click", "selector": "#b", "when": {"equals": ["one"]}},
          {"id": "c", "action": "click", "selector": "#b", "when": {"near": "#b"}},
          {"id": "d", "action": "click", "selector": "#b", "retries": {"max": 11}},
          {"id": "e", "action": "click", "selector": "#b", "once": true, "retries": {"max": 1}},
          {"id": "f", "action": "scroll"},
          {"id": "g", "action": "scroll", "to": "left"},
          {"id": "h", "action": "evaluate"},
          {"id": "i", "action": "input", "prompt": "?", "fields": {"a": {"type": "string"}},
           "optional": true},
          {"id": "j", "action": "click", "selector": "#b", "when": {"exists": "{{outputs.none}}"}},
          {"id": "k", "action": "extract", "selector": "li", "output": "o", "mode": "text",
           "fields": {"a": 3, "b": {"attribute": "href"}, "c": {"selector": "x", "mode": "pdf"},
           "d": {"selector": "x", "type": "string"}}},
          {"id": "l", "action": "extract", "selector": "li", "append": true},
          {"id": "m", "action": "input", "prompt": "?", "fields": {"a": "h2"}}
        ]}
        """))
        .extracting(p -> p.get("loc").toString() + " " + p.get("type"))
        .containsExactlyInAnyOrder(
            "[body, steps, 0, when] value_error",
            "[body, steps, 1, when, equals] type_error",
            "[body, steps, 2, when, near] extra_forbidden",
            "[body, steps, 3, retries, max] value_error",
            "[body, steps, 4, retries] value_error",
            "[body, steps, 5] value_error",
            "[body, steps, 6, to] enum",
            "[body, steps, 7, expression] missing",
            "[body, steps, 8, optional] extra_forbidden",
            "[body, steps, 9, when, exists] value_error",
            "[body, steps, 10] value_error",
            "[body, steps, 10, fields, a] type_error",
            "[body, steps, 10, fields, b, selector] missing",
            "[body, steps, 10, fields, c, mode] enum",
            "[body, steps, 10, fields, d, type] extra_forbidden",
            "[body, steps, 11, append] value_error",
            "[body, steps, 12, fields, a] type_error");
  }

  @Test
  void anUploadTakesAFileOfAtMostTheLimitOrAFileInputAndFileInputsTakeNoDefault() throws Exception {
    TaskReader small = new TaskReader(mapper, 200, 86_400, 10_000, 8);
    TaskReader.TaskRequest valid =
        small.read(
            json(
                """
        {"name": "Uploads", "inputs": {"invoice": {"type": "file"}}, "steps": [
          {"id": "a", "action": "upload", "selector": "#f",
           "file": {"name": "a.txt", "contentBase64": "aGVsbG8="}},
          {"id": "b", "action": "upload", "selector": "#f", "file": "{{inputs.invoice}}"},
          {"id": "c", "action": "repeat", "max": 2, "steps": [
            {"id": "d", "action": "upload", "selector": "#f", "frame": "#pay",
             "file": {"name": "d.txt", "bytes": 5,
                      "sha256": "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"}}
          ]}
        ]}
        """));
    assertThat(valid.definition().steps().get(0).file().name()).isEqualTo("a.txt");
    assertThat(valid.definition().steps().get(0).file().contentBase64()).isEqualTo("aGVsbG8=");
    assertThat(valid.definition().steps().get(1).file().fromInput()).isTrue();
    assertThat(valid.definition().steps().get(2).steps().get(0).file().kept()).isTrue();

    assertThat(
            problems(
                small,
                """
        {"name": "Bad", "inputs": {"s": {"type": "string"},
                                   "f": {"type": "file", "default": {"name": "x", "contentBase64": ""}}},
         "steps": [
          {"id": "a", "action": "upload", "selector": "#f"},
          {"id": "b", "action": "upload", "selector": "#f",
           "file": {"name": "big.bin", "contentBase64": "MDEyMzQ1Njc4OQ=="}},
          {"id": "c", "action": "upload", "selector": "#f",
           "file": {"name": "x", "contentBase64": "not base64!"}},
          {"id": "d", "action": "upload", "selector": "#f",
           "file": {"name": "../etc/passwd", "contentBase64": "aGk="}},
          {"id": "e", "action": "upload", "selector": "#f", "file": "{{inputs.s}}"},
          {"id": "g", "action": "upload", "selector": "#f", "file": 3},
          {"id": "h", "action": "forEach", "items": "{{inputs.s}}", "steps": [
            {"id": "i", "action": "upload", "selector": "#f", "file": "{{item}}"}]}
        ]}
        """))
        .extracting(p -> p.get("loc").toString() + " " + p.get("type"))
        .containsExactlyInAnyOrder(
            "[body, inputs, f, default] value_error",
            "[body, steps, 0, file] missing",
            "[body, steps, 1, file] value_error",
            "[body, steps, 2, file] value_error",
            "[body, steps, 3, file] value_error",
            "[body, steps, 4, file] value_error",
            "[body, steps, 5, file] type_error",
            "[body, steps, 6, items] type_error",
            "[body, steps, 6, steps, 0, file] value_error");
    assertThat(
            problems(
                small,
                """
        {"name": "Scheduled", "inputs": {"f": {"type": "file"}},
         "steps": [{"id": "a", "action": "upload", "selector": "#f", "file": "{{inputs.f}}"}],
         "schedule": {"cron": "0 * * * *", "inputs": {"f": {"name": "x", "contentBase64": "aGk="}}}}
        """))
        .extracting(p -> p.get("loc").toString() + " " + p.get("type"))
        .containsExactly("[body, schedule, inputs, f] value_error");
  }

  @Test
  void aProfileIsANameASaveModeAndAnOptionalCheckAndAProxyANameEachProblemNamed() throws Exception {
    TaskReader.TaskRequest valid =
        reader.read(
            json(
                """
        {"name": "With a login", "steps": [{"id": "a", "action": "goto", "url": "https://e.x"}],
         "profile": {"name": "shop-login", "save": "always",
                     "check": {"url": "https://e.x/account", "selector": "#me"}}}
        """));
    assertThat(valid.definition().profile().name()).isEqualTo("shop-login");
    assertThat(valid.definition().profile().savesAfter(dev.kestrel.model.RunStatus.FAILED))
        .isTrue();
    assertThat(valid.definition().profile().check().selector()).isEqualTo("#me");
    assertThat(
            reader
                .read(
                    json(
                        "{\"name\": \"n\", \"steps\": [{\"id\": \"a\", \"action\": \"goto\","
                            + " \"url\": \"https://e.x\"}], \"profile\": {\"name\": \"p\"}}"))
                .definition()
                .profile()
                .savesAfter(dev.kestrel.model.RunStatus.FAILED))
        .as("onSuccess by default")
        .isFalse();

    assertThat(
            problems(
                """
        {"name": "Bad", "steps": [{"id": "a", "action": "goto", "url": "https://e.x"}],
         "profile": {"name": "../etc", "save": "sometimes", "keep": 3,
                     "check": {"url": "file:///etc/passwd"}},
         "proxy": "socks://x"}
        """))
        .extracting(p -> p.get("loc").toString() + " " + p.get("type"))
        .containsExactlyInAnyOrder(
            "[body, proxy] value_error",
            "[body, profile, name] value_error",
            "[body, profile, save] enum",
            "[body, profile, keep] extra_forbidden",
            "[body, profile, check, url] value_error",
            "[body, profile, check, selector] missing");
  }

  @Test
  void loopsTakeNestedStepsReadLikeTheTasksOwnAndEveryProblemNamesItsPath() throws Exception {
    TaskReader.TaskRequest valid =
        reader.read(
            json(
                """
        {"name": "Loops", "inputs": {"list": {"type": "array"}}, "steps": [
          {"id": "rows", "action": "extract", "selector": "li", "all": true, "output": "rows"},
          {"id": "each", "action": "forEach", "items": "{{outputs.rows}}", "as": "row",
           "maxItems": 50, "steps": [
            {"id": "open", "action": "goto", "url": "https://example.com/{{row.id}}?n={{loop.index}}"},
            {"id": "inner", "action": "forEach", "items": "{{inputs.list}}", "steps": [
              {"id": "stop", "action": "break", "when": {"equals": ["{{item}}", "{{row}}"]}}]}]},
          {"id": "pages", "action": "repeat", "max": 20, "steps": [
            {"id": "more", "action": "click", "selector": "a.next"},
            {"id": "done", "action": "break", "when": {"missing": "a.next"}}]},
          {"id": "links", "action": "forEach", "selector": "a", "steps": [
            {"id": "read", "action": "extract", "selector": "{{item.selector}}", "output": "t"}]}
        ]}
        """));
    StepSpec each = valid.definition().steps().get(1);
    assertThat(each.runsSteps()).isTrue();
    assertThat(each.itemName()).isEqualTo("row");
    assertThat(each.maxRounds()).isEqualTo(50);
    assertThat(each.steps().get(1).steps().get(0).when().equals().get(0)).isEqualTo("{{item}}");
    assertThat(valid.definition().steps().get(2).maxRounds()).isEqualTo(20);

    assertThat(
            problems(
                """
        {"name": "Bad loops", "inputs": {"name": {"type": "string"}}, "steps": [
          {"id": "one", "action": "extract", "selector": "h1", "output": "title"},
          {"id": "a", "action": "repeat", "steps": [
            {"id": "b", "action": "teleport"},
            {"id": "c", "action": "click"}]},
          {"id": "d", "action": "break"},
          {"id": "e", "action": "forEach", "items": "{{outputs.title}}", "steps": [
            {"id": "f", "action": "goto", "url": "{{item}}"}]},
          {"id": "g", "action": "forEach", "items": "{{inputs.name}}", "steps": [
            {"id": "h", "action": "goto", "url": "https://example.com"}]},
          {"id": "i", "action": "extract", "selector": "li", "output": "o", "fields": ["h2"]},
          {"id": "j", "action": "repeat", "max": 10001, "steps": []},
          {"id": "k", "action": "forEach", "steps": [
            {"id": "l", "action": "input", "prompt": "?", "fields": {"a": {"type": "string"}}}]},
          {"id": "m", "action": "goto", "url": "https://example.com/{{item.id}}"},
          {"id": "n", "action": "repeat", "steps": [{"id": "a", "action": "break"}]}
        ]}
        """))
        .extracting(p -> p.get("loc").toString() + " " + p.get("type"))
        .containsExactlyInAnyOrder(
            "[body, steps, 1, steps, 0, action] enum",
            "[body, steps, 1, steps, 1, selector] missing",
            "[body, steps, 2, action] value_error",
            "[body, steps, 3, items] type_error",
            "[body, steps, 4, items] type_error",
            "[body, steps, 5, fields] type_error",
            "[body, steps, 6, max] type_error",
            "[body, steps, 6, steps] value_error",
            "[body, steps, 7] value_error",
            "[body, steps, 7, steps, 0, action] value_error",
            "[body, steps, 8, url] value_error",
            "[body, steps, 9, steps, 0, id] value_error");
  }
}
