package dev.kestrel.api.core;

import static dev.kestrel.api.core.InputResolver.append;

import com.cronutils.model.CronType;
import com.cronutils.model.definition.CronDefinitionBuilder;
import com.cronutils.parser.CronParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kestrel.api.errors.Problems;
import dev.kestrel.model.InputSpec;
import dev.kestrel.model.ScheduleSpec;
import dev.kestrel.model.StepSpec;
import dev.kestrel.model.TaskDefinition;
import dev.kestrel.model.api.Task;
import dev.kestrel.workflows.Templates;
import java.time.DateTimeException;
import java.time.ZoneId;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Checks a task definition (SPEC 6) and names every problem in one answer. */
public final class TaskValidator {
  private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_\\-]{0,63}");
  private static final Pattern STEP_ID = Pattern.compile("[A-Za-z0-9_\\-]{1,64}");
  private static final Set<String> INPUT_TYPES = Set.of("string", "number", "boolean", "object", "array");
  private static final Set<String> TOP_LEVEL =
      Set.of("name", "description", "inputs", "steps", "timeoutSeconds", "schedule", "status");
  /** Fields a Task carries that a client may send back unchanged; they are ignored. */
  private static final Set<String> READ_ONLY = Set.of("id", "version", "createdAt", "updatedAt");
  private static final Set<String> STRING_FIELDS =
      Set.of("id", "action", "url", "selector", "value", "key", "state", "attribute", "mode", "output",
          "textContains", "message");
  private static final Set<String> BOOLEAN_FIELDS = Set.of("checked", "all", "fullPage", "visible");
  private static final Set<String> INTEGER_FIELDS = Set.of("ms", "timeoutMs");
  /** Fields where {@code {{inputs.x}}} and {@code {{outputs.y}}} are substituted. */
  private static final List<String> TEMPLATED =
      List.of("url", "selector", "value", "key", "attribute", "textContains", "message");
  private static final int MAX_STRING = 10_000;
  private static final long MAX_STEP_TIMEOUT_MS = 3_600_000;

  private record Action(Set<String> required, Set<String> optional) {}

  private static final Map<String, Action> ACTIONS =
      Map.ofEntries(
          Map.entry("goto", new Action(Set.of("url"), Set.of())),
          Map.entry("click", new Action(Set.of("selector"), Set.of())),
          Map.entry("fill", new Action(Set.of("selector", "value"), Set.of())),
          Map.entry("press", new Action(Set.of("selector", "key"), Set.of())),
          Map.entry("select", new Action(Set.of("selector", "value"), Set.of())),
          Map.entry("check", new Action(Set.of("selector"), Set.of("checked"))),
          Map.entry("hover", new Action(Set.of("selector"), Set.of())),
          Map.entry("waitFor", new Action(Set.of(), Set.of("selector", "state", "ms"))),
          Map.entry("extract", new Action(Set.of("selector"), Set.of("attribute", "mode", "all", "output"))),
          Map.entry("screenshot", new Action(Set.of(), Set.of("fullPage", "output", "selector"))),
          Map.entry("assert", new Action(Set.of("selector"), Set.of("textContains", "visible", "message"))));
  private static final Set<String> COMMON = Set.of("id", "action", "timeoutMs");
  private static final CronParser CRON =
      new CronParser(CronDefinitionBuilder.instanceDefinitionFor(CronType.UNIX));

  private final JsonBodies bodies;
  private final InputResolver inputs;
  private final int maxSteps;
  private final int maxTimeoutSeconds;

  public TaskValidator(JsonBodies bodies, int maxSteps, int maxTimeoutSeconds) {
    this.bodies = bodies;
    this.inputs = new InputResolver(bodies);
    this.maxSteps = maxSteps;
    this.maxTimeoutSeconds = maxTimeoutSeconds;
  }

  public record Validated(TaskDefinition definition, String status) {}

  public Validated validate(ObjectNode body) {
    Problems problems = new Problems();
    for (Iterator<String> it = body.fieldNames(); it.hasNext(); ) {
      String field = it.next();
      if (!TOP_LEVEL.contains(field) && !READ_ONLY.contains(field)) {
        problems.add(List.of("body", field), "extra_forbidden", "unknown field '" + field + "'");
      }
    }
    String name = requiredString(body, "name", 200, List.of("body"), problems);
    String description = optionalString(body, "description", 2_000, List.of("body"), problems);
    String status = optionalString(body, "status", 16, List.of("body"), problems);
    if (status != null && !status.equals(Task.READY) && !status.equals(Task.DRAFT)) {
      problems.add(List.of("body", "status"), "enum", "status must be DRAFT or READY");
    }
    Map<String, InputSpec> declared = inputSpecs(body.get("inputs"), problems);
    List<StepSpec> steps = steps(body.get("steps"), declared, problems);
    int timeoutSeconds = TaskDefinition.DEFAULT_TIMEOUT_SECONDS;
    JsonNode timeout = body.get("timeoutSeconds");
    if (timeout != null && !timeout.isNull()) {
      if (!timeout.canConvertToInt() || !timeout.isIntegralNumber()
          || timeout.intValue() < 1 || timeout.intValue() > maxTimeoutSeconds) {
        problems.add(List.of("body", "timeoutSeconds"), "value_error",
            "timeoutSeconds must be a whole number from 1 to " + maxTimeoutSeconds);
      } else {
        timeoutSeconds = timeout.intValue();
      }
    }
    ScheduleSpec schedule = schedule(body.get("schedule"), declared, problems);
    problems.throwIfAny();
    return new Validated(
        new TaskDefinition(name, description, declared, steps, timeoutSeconds, schedule),
        status == null ? Task.READY : status);
  }

  private Map<String, InputSpec> inputSpecs(JsonNode node, Problems problems) {
    Map<String, InputSpec> declared = new LinkedHashMap<>();
    if (node == null || node.isNull()) {
      return declared;
    }
    List<Object> loc = List.of("body", "inputs");
    if (!node.isObject()) {
      problems.add(loc, "type_error", "inputs must be an object of input declarations");
      return declared;
    }
    for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> field = it.next();
      List<Object> at = append(loc, field.getKey());
      if (!NAME.matcher(field.getKey()).matches()) {
        problems.add(at, "value_error", "input names are letters, digits, '_' and '-', starting with a letter or '_'");
      }
      JsonNode spec = field.getValue();
      if (!spec.isObject()) {
        problems.add(at, "type_error", "an input declaration must be an object like {\"type\": \"string\"}");
        continue;
      }
      for (Iterator<String> names = spec.fieldNames(); names.hasNext(); ) {
        String key = names.next();
        if (!Set.of("type", "required", "default", "description").contains(key)) {
          problems.add(append(at, key), "extra_forbidden", "unknown field '" + key + "'");
        }
      }
      JsonNode type = spec.get("type");
      if (type == null || !type.isTextual() || !INPUT_TYPES.contains(type.asText())) {
        problems.add(append(at, "type"), "enum", "type must be one of string, number, boolean, object, array");
        continue;
      }
      JsonNode required = spec.get("required");
      if (required != null && !required.isBoolean() && !required.isNull()) {
        problems.add(append(at, "required"), "type_error", "required must be true or false");
      }
      JsonNode defaultValue = spec.get("default");
      Object defaultJava = null;
      if (defaultValue != null && !defaultValue.isNull()) {
        if (!InputResolver.typeMatches(type.asText(), defaultValue)) {
          problems.add(append(at, "default"), "type_error", "default must be of type " + type.asText());
        } else {
          defaultJava = bodies.toJava(defaultValue);
        }
      }
      String description = optionalString(spec, "description", 2_000, at, problems);
      declared.put(
          field.getKey(),
          new InputSpec(
              type.asText(), required != null && required.asBoolean(false), defaultJava, description));
    }
    return declared;
  }

  private List<StepSpec> steps(JsonNode node, Map<String, InputSpec> declared, Problems problems) {
    List<Object> loc = List.of("body", "steps");
    if (node == null || node.isNull()) {
      problems.add(loc, "missing", "steps is required");
      return List.of();
    }
    if (!node.isArray() || node.isEmpty()) {
      problems.add(loc, "value_error", "steps must be a non-empty array");
      return List.of();
    }
    if (node.size() > maxSteps) {
      problems.add(loc, "value_error", "a task has at most " + maxSteps + " steps");
    }
    List<StepSpec> steps = new java.util.ArrayList<>();
    Set<String> ids = new HashSet<>();
    Set<String> outputsSoFar = new HashSet<>();
    for (int i = 0; i < node.size(); i++) {
      JsonNode step = node.get(i);
      List<Object> at = append(loc, i);
      if (!step.isObject()) {
        problems.add(at, "type_error", "a step must be an object");
        continue;
      }
      JsonNode id = step.get("id");
      if (id != null && id.isTextual() && !ids.add(id.asText())) {
        problems.add(append(at, "id"), "value_error", "step id '" + id.asText() + "' is used twice");
      }
      StepSpec spec = step(step, at, declared, outputsSoFar, problems);
      if (spec != null) {
        if (spec.output() != null) {
          outputsSoFar.add(spec.output());
        }
        steps.add(spec);
      }
    }
    return steps;
  }

  private StepSpec step(
      JsonNode step, List<Object> at, Map<String, InputSpec> declared, Set<String> outputsSoFar, Problems problems) {
    int before = problems.items().size();
    JsonNode actionNode = step.get("action");
    Action action = actionNode != null && actionNode.isTextual() ? ACTIONS.get(actionNode.asText()) : null;
    if (action == null) {
      problems.add(
          append(at, "action"),
          "enum",
          "action " + (actionNode == null ? "is missing" : actionNode + " is unknown") + "; it must be one of "
              + String.join(", ", new java.util.TreeSet<>(ACTIONS.keySet())));
    }
    JsonNode id = step.get("id");
    if (id == null || !id.isTextual() || !STEP_ID.matcher(id.asText()).matches()) {
      problems.add(append(at, "id"), "value_error", "every step needs an id of 1 to 64 letters, digits, '_' or '-'");
    }
    for (Iterator<Map.Entry<String, JsonNode>> it = step.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> field = it.next();
      String key = field.getKey();
      JsonNode value = field.getValue();
      List<Object> fieldLoc = append(at, key);
      if (action != null && !COMMON.contains(key) && !action.required().contains(key) && !action.optional().contains(key)) {
        problems.add(fieldLoc, "extra_forbidden", "'" + key + "' is not a field of action " + actionNode.asText());
        continue;
      }
      if (value.isNull()) {
        continue;
      }
      if (STRING_FIELDS.contains(key) && (!value.isTextual() || value.asText().length() > MAX_STRING)) {
        problems.add(fieldLoc, "type_error", key + " must be a string of at most " + MAX_STRING + " characters");
      } else if (BOOLEAN_FIELDS.contains(key) && !value.isBoolean()) {
        problems.add(fieldLoc, "type_error", key + " must be true or false");
      } else if (INTEGER_FIELDS.contains(key)
          && (!value.isIntegralNumber() || value.asLong() < 0 || value.asLong() > MAX_STEP_TIMEOUT_MS)) {
        problems.add(fieldLoc, "type_error", key + " must be a whole number of milliseconds up to " + MAX_STEP_TIMEOUT_MS);
      }
    }
    if (action != null) {
      for (String required : action.required()) {
        if (!has(step, required)) {
          problems.add(append(at, required), "missing", actionNode.asText() + " needs '" + required + "'");
        }
      }
      checkActionRules(actionNode.asText(), step, at, problems);
    }
    if (has(step, "output") && step.get("output").isTextual() && !NAME.matcher(step.get("output").asText()).matches()) {
      problems.add(append(at, "output"), "value_error", "output names are letters, digits, '_' and '-'");
    }
    for (String field : TEMPLATED) {
      JsonNode value = step.get(field);
      if (value != null && value.isTextual()) {
        checkTemplates(value.asText(), append(at, field), declared, outputsSoFar, problems);
      }
    }
    if (problems.items().size() > before) {
      return null;
    }
    return bodies.convert(step, StepSpec.class);
  }

  private static void checkActionRules(String action, JsonNode step, List<Object> at, Problems problems) {
    switch (action) {
      case "waitFor" -> {
        if (has(step, "selector") == has(step, "ms")) {
          problems.add(at, "value_error", "waitFor needs either 'selector' or 'ms'");
        }
        if (has(step, "state") && !has(step, "selector")) {
          problems.add(append(at, "state"), "value_error", "'state' goes with 'selector'");
        }
        if (has(step, "state") && !Set.of("visible", "hidden", "attached", "detached").contains(step.get("state").asText())) {
          problems.add(append(at, "state"), "enum", "state must be visible, hidden, attached or detached");
        }
      }
      case "extract" -> {
        if (has(step, "attribute") && has(step, "mode")) {
          problems.add(at, "value_error", "extract takes 'attribute' or 'mode', not both");
        }
        if (has(step, "mode") && !Set.of("text", "html").contains(step.get("mode").asText())) {
          problems.add(append(at, "mode"), "enum", "mode must be text or html");
        }
      }
      case "assert" -> {
        if (!has(step, "textContains") && !has(step, "visible")) {
          problems.add(at, "value_error", "assert needs 'textContains' or 'visible'");
        }
      }
      default -> {}
    }
  }

  private static void checkTemplates(
      String text, List<Object> at, Map<String, InputSpec> declared, Set<String> outputsSoFar, Problems problems) {
    Matcher m = Templates.PLACEHOLDER.matcher(text);
    while (m.find()) {
      String name = m.group(2);
      if (m.group(1).equals("inputs") && !declared.containsKey(name)) {
        problems.add(at, "value_error", "{{inputs." + name + "}} names an input the task does not declare");
      }
      if (m.group(1).equals("outputs") && !outputsSoFar.contains(name)) {
        problems.add(at, "value_error", "{{outputs." + name + "}} names no output of an earlier step");
      }
    }
  }

  private ScheduleSpec schedule(JsonNode node, Map<String, InputSpec> declared, Problems problems) {
    if (node == null || node.isNull()) {
      return null;
    }
    List<Object> loc = List.of("body", "schedule");
    if (!node.isObject()) {
      problems.add(loc, "type_error", "schedule must be null or an object {cron, timezone, inputs}");
      return null;
    }
    for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
      String key = it.next();
      if (!Set.of("cron", "timezone", "inputs").contains(key)) {
        problems.add(append(loc, key), "extra_forbidden", "unknown field '" + key + "'");
      }
    }
    String cron = requiredString(node, "cron", 200, loc, problems);
    if (cron != null) {
      try {
        CRON.parse(cron).validate();
      } catch (IllegalArgumentException e) {
        problems.add(append(loc, "cron"), "value_error", "not a valid 5-field cron expression: " + e.getMessage());
      }
    }
    String timezone = optionalString(node, "timezone", 100, loc, problems);
    if (timezone != null) {
      try {
        ZoneId.of(timezone);
      } catch (DateTimeException e) {
        problems.add(append(loc, "timezone"), "value_error", "unknown time zone '" + timezone + "'");
      }
    }
    JsonNode scheduleInputs = node.get("inputs");
    Map<String, Object> resolved = null;
    if (scheduleInputs != null && !scheduleInputs.isNull()) {
      if (!scheduleInputs.isObject()) {
        problems.add(append(loc, "inputs"), "type_error", "inputs must be an object");
      } else {
        inputs.resolve(declared, scheduleInputs, append(loc, "inputs"), problems);
        resolved = bodies.convert(scheduleInputs, LinkedHashMap.class);
      }
    } else {
      inputs.resolve(declared, null, append(loc, "inputs"), problems);
    }
    return new ScheduleSpec(cron, timezone == null ? "UTC" : timezone, resolved);
  }

  private static boolean has(JsonNode node, String field) {
    return node.has(field) && !node.get(field).isNull();
  }

  private static String requiredString(JsonNode node, String field, int max, List<Object> loc, Problems problems) {
    JsonNode value = node.get(field);
    if (value == null || value.isNull()) {
      problems.add(append(loc, field), "missing", field + " is required");
      return null;
    }
    if (!value.isTextual() || value.asText().isBlank() || value.asText().length() > max) {
      problems.add(append(loc, field), "type_error", field + " must be a non-empty string of at most " + max + " characters");
      return null;
    }
    return value.asText();
  }

  private static String optionalString(JsonNode node, String field, int max, List<Object> loc, Problems problems) {
    JsonNode value = node.get(field);
    if (value == null || value.isNull()) {
      return null;
    }
    if (!value.isTextual() || value.asText().length() > max) {
      problems.add(append(loc, field), "type_error", field + " must be a string of at most " + max + " characters");
      return null;
    }
    return value.asText();
  }
}
