package dev.kestrel.server.resources;

import com.cronutils.model.CronType;
import com.cronutils.model.definition.CronDefinitionBuilder;
import com.cronutils.parser.CronParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kestrel.model.FieldSpec;
import dev.kestrel.model.InputSpec;
import dev.kestrel.model.ProfileSpec;
import dev.kestrel.model.ResumeMode;
import dev.kestrel.model.ScheduleSpec;
import dev.kestrel.model.StepAction;
import dev.kestrel.model.StepField;
import dev.kestrel.model.StepRetries;
import dev.kestrel.model.StepSpec;
import dev.kestrel.model.TaskDefinition;
import dev.kestrel.model.TraceMode;
import dev.kestrel.model.api.Task;
import dev.kestrel.server.core.FileValue;
import dev.kestrel.server.core.InputResolver;
import dev.kestrel.server.core.Problems;
import dev.kestrel.workflows.RunInput;
import dev.kestrel.workflows.Templates;
import java.time.DateTimeException;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Reads the body of {@code POST /tasks} and {@code PUT /tasks/{id}} (SPEC 6), naming every problem
 * in one answer.
 */
public final class TaskReader {
  private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_\\-]{0,63}");
  private static final Pattern STEP_ID = Pattern.compile("[A-Za-z0-9_\\-]{1,64}");
  private static final Set<String> INPUT_TYPES =
      Set.of("string", "number", "boolean", "object", "array", InputSpec.FILE);

  /** What a client sends, plus what a Task carries that it may send back unchanged (ignored). */
  private static final Set<String> TOP_LEVEL =
      Set.of(
          "name",
          "description",
          "inputs",
          "steps",
          "timeoutSeconds",
          "schedule",
          "status",
          "trace",
          "resume",
          "profile",
          "proxy",
          "id",
          "version",
          "createdAt",
          "updatedAt");

  private static final Set<String> INPUT_FIELDS =
      Set.of("type", "required", "default", "description");

  /** nextRunAt and lastRunAt are read-only: accepted (a task read and sent back) and ignored. */
  private static final Set<String> SCHEDULE_FIELDS =
      Set.of(
          "cron",
          "timezone",
          "inputs",
          "overlap",
          "catchupWindowSeconds",
          "paused",
          "note",
          "nextRunAt",
          "lastRunAt");

  /** Up to a day: catching up on more after an outage would flood the workers with stale runs. */
  static final int MAX_CATCHUP_WINDOW_SECONDS = 24 * 3600;

  private static final String ACTION_NAMES =
      Arrays.stream(StepAction.values())
          .map(StepAction::wireName)
          .sorted()
          .collect(Collectors.joining(", "));
  private static final int MAX_STRING = 10_000;
  private static final long MAX_STEP_TIMEOUT_MS = 3_600_000;
  private static final CronParser CRON =
      new CronParser(CronDefinitionBuilder.instanceDefinitionFor(CronType.UNIX));

  private final ObjectMapper mapper;
  private final InputResolver inputs;
  private final int maxSteps;
  private final int maxTimeoutSeconds;
  private final int maxRounds;
  private final long maxFileBytes;

  public TaskReader(ObjectMapper mapper, int maxSteps, int maxTimeoutSeconds) {
    this(
        mapper,
        maxSteps,
        maxTimeoutSeconds,
        RunInput.ExecutionSettings.DEFAULT_MAX_STEP_EXECUTIONS);
  }

  /**
   * {@code maxRounds}: the most items a forEach and rounds a repeat may ask for (a run's limit of
   * step executions).
   */
  public TaskReader(ObjectMapper mapper, int maxSteps, int maxTimeoutSeconds, int maxRounds) {
    this(mapper, maxSteps, maxTimeoutSeconds, maxRounds, FileValue.MAX_BYTES);
  }

  /** {@code maxFileBytes}: the largest file an upload step carries. */
  public TaskReader(
      ObjectMapper mapper, int maxSteps, int maxTimeoutSeconds, int maxRounds, long maxFileBytes) {
    this.mapper = mapper;
    this.inputs = new InputResolver(mapper, maxFileBytes);
    this.maxSteps = maxSteps;
    this.maxTimeoutSeconds = maxTimeoutSeconds;
    this.maxRounds = maxRounds;
    this.maxFileBytes = maxFileBytes;
  }

  /** A task as a client defines it: its definition, and {@code DRAFT} or {@code READY}. */
  public record TaskRequest(TaskDefinition definition, String status) {}

  public TaskRequest read(byte[] body) {
    return read(JsonObjectReader.body(mapper, body, false));
  }

  TaskRequest read(JsonObjectReader body) {
    body.allowOnly(TOP_LEVEL);
    Problems problems = body.problems();
    String name = body.requiredString("name", 200);
    String description = body.optionalString("description", 2_000);
    String status = body.optionalString("status", 16);
    if (status != null && !status.equals(Task.READY) && !status.equals(Task.DRAFT)) {
      problems.add(body.at("status"), "enum", "status must be DRAFT or READY");
    }
    Map<String, InputSpec> declared = inputSpecs(body);
    List<StepSpec> steps = steps(body, declared);
    Integer timeout = body.optionalInt("timeoutSeconds", 1, maxTimeoutSeconds);
    ScheduleSpec schedule = schedule(body, declared);
    TraceMode trace = trace(body);
    ResumeMode resume = resume(body);
    ProfileSpec profile = profile(body);
    String proxy = proxy(body);
    body.throwIfAny();
    return new TaskRequest(
        new TaskDefinition(
            name,
            description,
            declared,
            steps,
            timeout == null ? TaskDefinition.DEFAULT_TIMEOUT_SECONDS : timeout,
            schedule,
            trace,
            resume,
            profile,
            proxy),
        status == null ? Task.READY : status);
  }

  /** {@code "resume"}: checkpoint or restart; absent or null, from the last checkpoint. */
  private static ResumeMode resume(JsonObjectReader body) {
    String mode = body.optionalString("resume", 16);
    if (mode == null) {
      return null;
    }
    return ResumeMode.find(mode)
        .orElseGet(
            () -> {
              body.problems()
                  .add(body.at("resume"), "enum", "resume must be checkpoint or restart");
              return null;
            });
  }

  private static final Set<String> SAVE_MODES =
      Set.of(ProfileSpec.SAVE_ON_SUCCESS, ProfileSpec.SAVE_NEVER, ProfileSpec.SAVE_ALWAYS);

  /**
   * {@code "profile"} (SPEC 12): {@code {"name", "save"?, "check"?: {"url", "selector"}}}; absent
   * or null, none. Whether the organization has such a profile is decided when a run is queued.
   */
  static ProfileSpec profile(JsonObjectReader body) {
    ObjectNode node =
        body.optionalObject("profile", "profile must be an object like {\"name\": \"shop-login\"}");
    if (node == null) {
      return null;
    }
    Problems problems = body.problems();
    JsonObjectReader profile =
        body.object("profile", node).allowOnly(Set.of("name", "save", "check"));
    String name = profile.requiredString("name", 100);
    if (name != null && !ProfileResource.NAME.matcher(name).matches()) {
      problems.add(
          profile.at("name"), "value_error", "a profile's name is letters, digits, '_', '-', '.'");
    }
    String save = profile.optionalString("save", 16);
    if (save != null && !SAVE_MODES.contains(save)) {
      problems.add(profile.at("save"), "enum", "save must be onSuccess, never or always");
    }
    ObjectNode checkNode =
        profile.optionalObject("check", "check must be an object {\"url\", \"selector\"}");
    ProfileSpec.Check check = null;
    if (checkNode != null) {
      JsonObjectReader c = profile.object("check", checkNode).allowOnly(Set.of("url", "selector"));
      String url = c.requiredString("url", 2_000);
      String selector = c.requiredString("selector", MAX_STRING);
      if (url != null && !url.startsWith("http://") && !url.startsWith("https://")) {
        problems.add(c.at("url"), "value_error", "url must be an http or https URL");
      }
      check = new ProfileSpec.Check(url, selector);
    }
    return new ProfileSpec(name, save, check);
  }

  /**
   * {@code "proxy"} (SPEC 12): the name of one of the organization's upstream proxies (decided when
   * a run is queued); absent or null, none.
   */
  static String proxy(JsonObjectReader body) {
    String name = body.optionalString("proxy", 100);
    if (name != null && !ProfileResource.NAME.matcher(name).matches()) {
      body.problems()
          .add(body.at("proxy"), "value_error", "a proxy's name is letters, digits, '_', '-', '.'");
    }
    return name;
  }

  /** {@code "trace"}: off, on-failure or always; absent or null, the server's default. */
  static TraceMode trace(JsonObjectReader body) {
    String mode = body.optionalString("trace", 16);
    if (mode == null) {
      return null;
    }
    return TraceMode.find(mode)
        .orElseGet(
            () -> {
              body.problems()
                  .add(body.at("trace"), "enum", "trace must be off, on-failure or always");
              return null;
            });
  }

  private Map<String, InputSpec> inputSpecs(JsonObjectReader body) {
    Map<String, InputSpec> declared = new LinkedHashMap<>();
    ObjectNode node =
        body.optionalObject("inputs", "inputs must be an object of input declarations");
    if (node == null) {
      return declared;
    }
    Problems problems = body.problems();
    JsonObjectReader all = body.object("inputs", node);
    for (Iterator<Map.Entry<String, JsonNode>> it = all.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> field = it.next();
      List<Object> at = all.at(field.getKey());
      if (!NAME.matcher(field.getKey()).matches()) {
        problems.add(
            at,
            "value_error",
            "input names are letters, digits, '_' and '-', starting with a letter or '_'");
      }
      if (!field.getValue().isObject()) {
        problems.add(
            at, "type_error", "an input declaration must be an object like {\"type\": \"string\"}");
        continue;
      }
      JsonObjectReader spec =
          all.object(field.getKey(), (ObjectNode) field.getValue()).allowOnly(INPUT_FIELDS);
      JsonNode type = spec.get("type");
      if (type == null || !type.isTextual() || !INPUT_TYPES.contains(type.asText())) {
        problems.add(
            spec.at("type"),
            "enum",
            "type must be one of string, number, boolean, object, array, file");
        continue;
      }
      JsonNode required = spec.get("required");
      if (required != null && !required.isBoolean()) {
        problems.add(spec.at("required"), "type_error", "required must be true or false");
      }
      JsonNode defaultValue = spec.get("default");
      Object defaultJava = null;
      if (defaultValue != null && InputSpec.FILE.equals(type.asText())) {
        // A file is given with each run; kept with the task, it would travel with every run.
        problems.add(
            spec.at("default"),
            "value_error",
            "a file input has no default: an upload step can carry the task's own file");
      } else if (defaultValue != null) {
        if (!InputResolver.typeMatches(type.asText(), defaultValue)) {
          problems.add(
              spec.at("default"), "type_error", "default must be of type " + type.asText());
        } else {
          defaultJava = inputs.toJava(defaultValue);
        }
      }
      String description = spec.optionalString("description", 2_000);
      declared.put(
          field.getKey(),
          new InputSpec(
              type.asText(),
              required != null && required.asBoolean(false),
              defaultJava,
              description));
    }
    return declared;
  }

  /** How deep loops may nest: a loop in a loop in a loop. */
  static final int MAX_LOOP_DEPTH = 3;

  /**
   * What the steps read so far declare for the steps after them, across loops: the ids taken, the
   * outputs made (and whether each may be a list), the input steps' fields, and how many steps
   * there are in all.
   */
  private static final class Scope {
    final Map<String, InputSpec> declared;
    final Set<String> ids = new HashSet<>();
    final Map<String, Boolean> outputs = new HashMap<>();
    final Map<String, Map<String, FieldSpec>> inputSteps = new HashMap<>();

    /** The item names of the loops the step being read is in, innermost last. */
    final List<String> loops = new ArrayList<>();

    int count;

    Scope(Map<String, InputSpec> declared) {
      this.declared = declared;
    }
  }

  private List<StepSpec> steps(JsonObjectReader body, Map<String, InputSpec> declared) {
    Problems problems = body.problems();
    List<Object> loc = body.at("steps");
    JsonNode node = body.get("steps");
    if (node == null) {
      problems.add(loc, "missing", "steps is required");
      return List.of();
    }
    Scope scope = new Scope(declared);
    List<StepSpec> steps = steps(node, loc, problems, scope);
    if (scope.count > maxSteps) {
      problems.add(
          loc, "value_error", "a task has at most " + maxSteps + " steps, loops' steps included");
    }
    return steps;
  }

  /** A list of steps at {@code loc}: the task's, or a loop's. */
  private List<StepSpec> steps(JsonNode node, List<Object> loc, Problems problems, Scope scope) {
    if (!node.isArray() || node.isEmpty()) {
      problems.add(loc, "value_error", "steps must be a non-empty array");
      return List.of();
    }
    List<StepSpec> steps = new ArrayList<>();
    for (int i = 0; i < node.size(); i++) {
      JsonNode step = node.get(i);
      List<Object> at = Problems.at(loc, i);
      scope.count++;
      if (!step.isObject()) {
        problems.add(at, "type_error", "a step must be an object");
        continue;
      }
      JsonObjectReader reader = new JsonObjectReader((ObjectNode) step, at, problems);
      JsonNode id = reader.get("id");
      if (id != null && id.isTextual() && !scope.ids.add(id.asText())) {
        problems.add(reader.at("id"), "value_error", "step id '" + id.asText() + "' is used twice");
      }
      StepSpec spec = step(reader, scope);
      if (spec != null) {
        if (spec.output() != null) {
          scope.outputs.merge(spec.output(), mayBeList(spec), Boolean::logicalOr);
        }
        if (spec.waitsForInput()) {
          scope.inputSteps.put(spec.id(), spec.fields());
        }
        steps.add(spec);
      }
    }
    return steps;
  }

  /** Whether a step's output may be a list, which a forEach can go through. */
  private static boolean mayBeList(StepSpec step) {
    return switch (step.action()) {
      case EXTRACT -> Boolean.TRUE.equals(step.all()) || step.appends();
      case EVALUATE -> true;
      default -> false;
    };
  }

  private StepSpec step(JsonObjectReader step, Scope scope) {
    Map<String, InputSpec> declared = scope.declared;
    Problems problems = step.problems();
    int before = problems.size();
    JsonNode actionNode = step.node().get("action");
    Optional<StepAction> found =
        actionNode != null && actionNode.isTextual()
            ? StepAction.find(actionNode.asText())
            : Optional.empty();
    if (found.isEmpty()) {
      problems.add(
          step.at("action"),
          "enum",
          "action "
              + (actionNode == null ? "is missing" : actionNode + " is unknown")
              + "; it must be one of "
              + ACTION_NAMES);
    }
    JsonNode id = step.node().get("id");
    if (id == null || !id.isTextual() || !STEP_ID.matcher(id.asText()).matches()) {
      problems.add(
          step.at("id"),
          "value_error",
          "every step needs an id of 1 to 64 letters, digits, '_' or '-'");
    }
    for (Iterator<Map.Entry<String, JsonNode>> it = step.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> entry = it.next();
      Optional<StepField> field = StepField.find(entry.getKey());
      List<Object> fieldLoc = step.at(entry.getKey());
      if (found.isPresent() && (field.isEmpty() || !found.get().takes(field.get()))) {
        problems.add(
            fieldLoc,
            "extra_forbidden",
            "'" + entry.getKey() + "' is not a field of action " + found.get());
        continue;
      }
      if (field.isEmpty() || entry.getValue().isNull()) {
        continue;
      }
      checkType(field.get(), entry.getValue(), fieldLoc, problems, maxRounds);
    }
    if (found.isPresent()) {
      StepAction action = found.get();
      for (StepField required : action.required()) {
        if (!step.has(required.wireName())) {
          problems.add(
              step.at(required.wireName()),
              "missing",
              action + " needs '" + required.wireName() + "'");
        }
      }
      checkActionRules(action, step);
      if (action == StepAction.UPLOAD) {
        checkUploadFile(step, scope);
      }
      checkModifiers(action, step, scope);
      checkLoopRules(action, step, scope);
      for (StepField templated : action.templated()) {
        JsonNode value = step.get(templated.wireName());
        if (value != null && value.isTextual()) {
          checkTemplates(
              value.asText(),
              step.at(templated.wireName()),
              scope,
              // A secret may only be typed: anywhere else it would show (a URL, a message).
              action == StepAction.FILL && templated == StepField.VALUE,
              problems);
        }
      }
      if (action.takes(StepField.STEPS) && step.get("steps") != null) {
        // The loop's own steps, read like the task's, with the loop's item in scope.
        scope.loops.add(
            action == StepAction.FOR_EACH && step.get("as") != null
                ? step.get("as").asText()
                : action == StepAction.FOR_EACH ? StepSpec.DEFAULT_ITEM_NAME : null);
        try {
          if (scope.loops.size() > MAX_LOOP_DEPTH) {
            problems.add(
                step.at("steps"), "value_error", "loops nest " + MAX_LOOP_DEPTH + " deep at most");
          } else {
            steps(step.get("steps"), step.at("steps"), problems, scope);
          }
        } finally {
          scope.loops.remove(scope.loops.size() - 1);
        }
      }
    }
    JsonNode output = step.get("output");
    if (output != null && output.isTextual() && !NAME.matcher(output.asText()).matches()) {
      problems.add(
          step.at("output"), "value_error", "output names are letters, digits, '_' and '-'");
    }
    if (problems.size() > before) {
      return null;
    }
    return mapper.convertValue(step.node(), StepSpec.class);
  }

  private static final Set<String> RESERVED_NAMES =
      Set.of("inputs", "outputs", "input", Templates.LOOP);

  /**
   * Loops and breaks (SPEC 11): a forEach goes through {@code items} (a template naming a list) or
   * a {@code selector}'s elements; a break is inside a loop; an input step is not.
   */
  private static void checkLoopRules(StepAction action, JsonObjectReader step, Scope scope) {
    Problems problems = step.problems();
    boolean inLoop = !scope.loops.isEmpty();
    if (action == StepAction.BREAK && !inLoop) {
      problems.add(
          step.at("action"),
          "value_error",
          "break ends the loop it is in, and this one is in none");
    }
    if (action == StepAction.INPUT && inLoop) {
      problems.add(
          step.at("action"), "value_error", "an input step cannot be inside a loop (SPEC 10)");
    }
    if (action != StepAction.FOR_EACH) {
      return;
    }
    if (step.has("items") == step.has("selector")) {
      problems.add(step.loc(), "value_error", "forEach needs either 'items' or 'selector'");
    }
    JsonNode as = step.get("as");
    if (as != null && as.isTextual()) {
      if (!IDENTIFIER.matcher(as.asText()).matches() || RESERVED_NAMES.contains(as.asText())) {
        problems.add(
            step.at("as"),
            "value_error",
            "as names the item: letters, digits and '_', and not one of "
                + String.join(", ", new java.util.TreeSet<>(RESERVED_NAMES)));
      }
    }
    JsonNode items = step.get("items");
    if (items == null || !items.isTextual()) {
      return;
    }
    Matcher m = Templates.PLACEHOLDER.matcher(items.asText().strip());
    if (!m.matches()) {
      problems.add(
          step.at("items"),
          "value_error",
          "items names one list, like \"{{outputs.rows}}\" or \"{{item.links}}\"");
      return;
    }
    checkTemplates(items.asText(), step.at("items"), scope, false, problems);
    String notAList = null;
    if ("inputs".equals(m.group(1))) {
      InputSpec input = scope.declared.get(m.group(2));
      if (input != null && !"array".equals(input.type())) {
        notAList = "input '" + m.group(2) + "' is of type " + input.type();
      }
    } else if ("outputs".equals(m.group(1))) {
      Boolean list = scope.outputs.get(m.group(2));
      if (Boolean.FALSE.equals(list)) {
        notAList =
            "output '" + m.group(2) + "' is never a list (an extract makes one with all or append)";
      }
    } else if (m.group(3) != null) {
      notAList = "an input step's answer is never a list";
    }
    if (notAList != null) {
      problems.add(step.at("items"), "type_error", "forEach goes through a list, and " + notAList);
    }
  }

  private static final Pattern IDENTIFIER = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,63}");

  private static void checkType(
      StepField field, JsonNode value, List<Object> at, Problems problems, int maxRounds) {
    String key = field.wireName();
    switch (field.type()) {
      case STRING -> {
        if (!value.isTextual() || value.asText().length() > MAX_STRING) {
          problems.add(
              at, "type_error", key + " must be a string of at most " + MAX_STRING + " characters");
        }
      }
      case BOOLEAN -> {
        if (!value.isBoolean()) {
          problems.add(at, "type_error", key + " must be true or false");
        }
      }
      case MILLISECONDS -> {
        if (!value.isIntegralNumber()
            || value.asLong() < 0
            || value.asLong() > MAX_STEP_TIMEOUT_MS) {
          problems.add(
              at,
              "type_error",
              key + " must be a whole number of milliseconds up to " + MAX_STEP_TIMEOUT_MS);
        }
      }
      case SECONDS -> {
        if (!value.isIntegralNumber()
            || value.asLong() < 1
            || value.asLong() > StepSpec.MAX_INPUT_TIMEOUT_SECONDS) {
          problems.add(
              at,
              "type_error",
              key
                  + " must be a whole number of seconds from 1 to "
                  + StepSpec.MAX_INPUT_TIMEOUT_SECONDS
                  + " (7 days)");
        }
      }
      case OBJECT -> {
        if (!value.isObject()) {
          problems.add(at, "type_error", key + " must be an object");
        }
      }
      case COUNT -> {
        if (!value.isIntegralNumber() || value.asLong() < 1 || value.asLong() > maxRounds) {
          problems.add(at, "type_error", key + " must be a whole number from 1 to " + maxRounds);
        }
      }
      case STEPS -> {
        if (!value.isArray()) {
          problems.add(at, "type_error", key + " must be a non-empty array of steps");
        }
      }
      case FILE -> {
        if (!value.isTextual() && !value.isObject()) {
          problems.add(
              at,
              "type_error",
              key + " must be {\"name\", \"contentBase64\"} or a file input (\"{{inputs.x}}\")");
        }
      }
    }
  }

  /**
   * An upload's {@code file} (SPEC 11): a file sent with the task, of at most the server's size, or
   * a template naming one file input.
   */
  private void checkUploadFile(JsonObjectReader step, Scope scope) {
    JsonNode file = step.get("file");
    Problems problems = step.problems();
    if (file == null || file.isNull()) {
      return;
    }
    if (file.isObject()) {
      String problem = FileValue.problem(file, maxFileBytes, true);
      if (problem != null) {
        problems.add(step.at("file"), "value_error", problem);
      }
      return;
    }
    if (!file.isTextual()) {
      return; // Said already: the field's type.
    }
    Matcher m = Templates.PLACEHOLDER.matcher(file.asText().strip());
    InputSpec input =
        m.matches() && "inputs".equals(m.group(1)) ? scope.declared.get(m.group(2)) : null;
    if (input == null || !InputSpec.FILE.equals(input.type())) {
      problems.add(
          step.at("file"),
          "value_error",
          "file names one input of type file, like \"{{inputs.invoice}}\", or is"
              + " {\"name\", \"contentBase64\"}");
    }
  }

  /** Rules between an action's fields that the field list alone cannot say. */
  private static void checkActionRules(StepAction action, JsonObjectReader step) {
    Problems problems = step.problems();
    switch (action) {
      case WAIT_FOR -> {
        if (step.has("selector") == step.has("ms")) {
          problems.add(step.loc(), "value_error", "waitFor needs either 'selector' or 'ms'");
        }
        if (step.has("state") && !step.has("selector")) {
          problems.add(step.at("state"), "value_error", "'state' goes with 'selector'");
        }
        if (step.has("state")
            && !Set.of("visible", "hidden", "attached", "detached")
                .contains(step.get("state").asText())) {
          problems.add(
              step.at("state"), "enum", "state must be visible, hidden, attached or detached");
        }
      }
      case EXTRACT -> {
        if (step.has("attribute") && step.has("mode")) {
          problems.add(step.loc(), "value_error", "extract takes 'attribute' or 'mode', not both");
        }
        if (step.has("mode") && !Set.of("text", "html").contains(step.get("mode").asText())) {
          problems.add(step.at("mode"), "enum", "mode must be text or html");
        }
        if (step.has("fields") && (step.has("attribute") || step.has("mode"))) {
          problems.add(
              step.loc(),
              "value_error",
              "extract takes 'fields', or 'attribute' or 'mode' for the element itself");
        }
        if (step.has("append") && !step.has("output")) {
          problems.add(step.at("append"), "value_error", "'append' adds to an 'output'");
        }
        checkExtractFields(step);
      }
      case ASSERT -> {
        if (!step.has("textContains") && !step.has("visible")) {
          problems.add(step.loc(), "value_error", "assert needs 'textContains' or 'visible'");
        }
      }
      case EVALUATE -> {
        if (step.has("append") && !step.has("output")) {
          problems.add(step.at("append"), "value_error", "'append' adds to an 'output'");
        }
      }
      case INPUT -> checkInputStep(step);
      case SCROLL -> {
        if (step.has("selector") == step.has("to")) {
          problems.add(step.loc(), "value_error", "scroll needs either 'selector' or 'to'");
        }
        if (step.has("to") && !Set.of("bottom", "top").contains(step.get("to").asText())) {
          problems.add(step.at("to"), "enum", "to must be bottom or top");
        }
      }
      default -> {
        // The field list says all there is.
      }
    }
  }

  private static final int MAX_EXTRACT_FIELDS = 50;

  /**
   * An extract's fields (SPEC 11): each a selector relative to the element, or {@code {"selector",
   * "attribute"?, "mode"?}}.
   */
  private static void checkExtractFields(JsonObjectReader step) {
    JsonNode fields = step.get("fields");
    if (fields == null || !fields.isObject()) {
      return; // Absent, or said already: not an object.
    }
    Problems problems = step.problems();
    if (fields.isEmpty() || fields.size() > MAX_EXTRACT_FIELDS) {
      problems.add(
          step.at("fields"),
          "value_error",
          "an extract reads 1 to " + MAX_EXTRACT_FIELDS + " fields");
    }
    JsonObjectReader all = step.object("fields", (ObjectNode) fields);
    for (Iterator<Map.Entry<String, JsonNode>> it = all.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> entry = it.next();
      List<Object> at = all.at(entry.getKey());
      JsonNode value = entry.getValue();
      if (!NAME.matcher(entry.getKey()).matches()) {
        problems.add(
            at,
            "value_error",
            "field names are letters, digits, '_' and '-', starting with a letter or '_'");
      }
      if (value.isTextual()) {
        continue;
      }
      if (!value.isObject()) {
        problems.add(
            at,
            "type_error",
            "a field is a selector, or an object like {\"selector\": \"a\", \"attribute\": \"href\"}");
        continue;
      }
      JsonObjectReader field =
          all.object(entry.getKey(), (ObjectNode) value)
              .allowOnly(Set.of("selector", "attribute", "mode"));
      field.requiredString("selector", MAX_STRING);
      field.optionalString("attribute", 200);
      String mode = field.optionalString("mode", 10);
      if (mode != null && !Set.of("text", "html").contains(mode)) {
        problems.add(field.at("mode"), "enum", "mode must be text or html");
      }
      if (field.has("attribute") && field.has("mode")) {
        problems.add(field.loc(), "value_error", "a field takes 'attribute' or 'mode', not both");
      }
    }
  }

  private static final List<String> CONDITIONS =
      List.of("exists", "missing", "visible", "urlContains", "equals");

  /** What any step may carry (SPEC 11): {@code when}, {@code retries}, {@code optional}. */
  private static void checkModifiers(StepAction action, JsonObjectReader step, Scope scope) {
    Problems problems = step.problems();
    JsonNode when = step.get("when");
    if (when != null && when.isObject()) {
      JsonObjectReader condition =
          step.object("when", (ObjectNode) when).allowOnly(Set.copyOf(CONDITIONS));
      if (when.size() != 1) {
        problems.add(
            step.at("when"),
            "value_error",
            "when takes exactly one of " + String.join(", ", CONDITIONS));
      }
      for (String key : CONDITIONS) {
        JsonNode value = condition.get(key);
        if (value == null) {
          continue;
        }
        boolean pair =
            value.isArray()
                && value.size() == 2
                && value.get(0).isTextual()
                && value.get(1).isTextual();
        if (key.equals("equals") ? !pair : !value.isTextual()) {
          problems.add(
              condition.at(key),
              "type_error",
              key.equals("equals")
                  ? "equals must be a list of two strings"
                  : key + " must be a string");
          continue;
        }
        for (JsonNode text : value.isArray() ? value : List.of(value)) {
          checkTemplates(text.asText(), condition.at(key), scope, false, problems);
        }
      }
    }
    JsonNode retries = step.get("retries");
    if (retries != null && retries.isObject()) {
      JsonObjectReader reader =
          step.object("retries", (ObjectNode) retries).allowOnly(Set.of("max", "delayMs"));
      if (!reader.has("max")) {
        problems.add(reader.at("max"), "missing", "retries needs 'max' (0 to 10)");
      }
      reader.optionalInt("max", 0, StepRetries.MAX);
      reader.optionalInt("delayMs", 0, (int) StepRetries.MAX_DELAY_MS);
      if (step.has("once") && Boolean.TRUE.equals(step.get("once").asBoolean(false))) {
        problems.add(step.at("retries"), "value_error", "a step marked once is never tried again");
      }
    }
    if (action == StepAction.INPUT) {
      for (String field : List.of("retries", "optional")) {
        if (step.has(field)) {
          problems.add(step.at(field), "extra_forbidden", "an input step takes no '" + field + "'");
        }
      }
    }
  }

  private static final Set<String> INPUT_FIELD_KEYS =
      Set.of("type", "label", "required", "pattern");
  private static final int MAX_INPUT_FIELDS = 20;

  /** An input step's fields (SPEC 10): named, typed, with valid patterns; and its onTimeout. */
  private static void checkInputStep(JsonObjectReader step) {
    Problems problems = step.problems();
    JsonNode onTimeout = step.get("onTimeout");
    if (onTimeout != null
        && !onTimeout.isNull()
        && !Set.of(StepSpec.ON_TIMEOUT_FAIL, StepSpec.ON_TIMEOUT_CONTINUE)
            .contains(onTimeout.asText())) {
      problems.add(step.at("onTimeout"), "enum", "onTimeout must be fail or continue");
    }
    JsonNode fields = step.get("fields");
    if (fields == null || !fields.isObject()) {
      return; // Said already: missing, or not an object.
    }
    if (fields.isEmpty() || fields.size() > MAX_INPUT_FIELDS) {
      problems.add(
          step.at("fields"),
          "value_error",
          "an input step asks for 1 to " + MAX_INPUT_FIELDS + " fields");
    }
    JsonObjectReader all = step.object("fields", (ObjectNode) fields);
    for (Iterator<Map.Entry<String, JsonNode>> it = all.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> entry = it.next();
      List<Object> at = all.at(entry.getKey());
      if (!NAME.matcher(entry.getKey()).matches()) {
        problems.add(
            at,
            "value_error",
            "field names are letters, digits, '_' and '-', starting with a letter or '_'");
      }
      if (!entry.getValue().isObject()) {
        problems.add(at, "type_error", "a field must be an object like {\"type\": \"string\"}");
        continue;
      }
      JsonObjectReader field =
          all.object(entry.getKey(), (ObjectNode) entry.getValue()).allowOnly(INPUT_FIELD_KEYS);
      JsonNode type = field.get("type");
      if (type == null || !type.isTextual() || !FieldSpec.TYPES.contains(type.asText())) {
        problems.add(
            field.at("type"), "enum", "type must be one of " + String.join(", ", FieldSpec.TYPES));
      }
      field.optionalString("label", 200);
      field.optionalBoolean("required");
      String pattern = field.optionalString("pattern", 500);
      if (pattern != null) {
        if (type != null && !Set.of(FieldSpec.STRING, FieldSpec.SECRET).contains(type.asText())) {
          problems.add(field.at("pattern"), "value_error", "a pattern goes with string or secret");
        }
        try {
          java.util.regex.Pattern.compile(pattern);
        } catch (java.util.regex.PatternSyntaxException e) {
          problems.add(
              field.at("pattern"),
              "value_error",
              "not a valid regular expression: " + e.getDescription());
        }
      }
    }
  }

  private static void checkTemplates(
      String text, List<Object> at, Scope scope, boolean typed, Problems problems) {
    Matcher m = Templates.PLACEHOLDER.matcher(text);
    while (m.find()) {
      if (m.group(5) != null) {
        checkLoopVariable(m.group(5), m.group(6), at, scope, problems);
        continue;
      }
      if (m.group(3) != null) {
        Map<String, FieldSpec> fields = scope.inputSteps.get(m.group(3));
        FieldSpec field = fields == null ? null : fields.get(m.group(4));
        String name = "{{input." + m.group(3) + "." + m.group(4) + "}}";
        if (field == null) {
          problems.add(at, "value_error", name + " names no field of an earlier input step");
        } else if (field.isSecret() && !typed) {
          problems.add(
              at,
              "value_error",
              name + " is a secret: it may only be typed, as the value of a fill step");
        }
        continue;
      }
      String name = m.group(2);
      if (m.group(1).equals("inputs") && !scope.declared.containsKey(name)) {
        problems.add(
            at, "value_error", "{{inputs." + name + "}} names an input the task does not declare");
      }
      if (m.group(1).equals("outputs") && !scope.outputs.containsKey(name)) {
        problems.add(
            at, "value_error", "{{outputs." + name + "}} names no output of an earlier step");
      }
    }
  }

  private static final Set<String> LOOP_FIELDS = Set.of(".index", ".count", ".first");

  /**
   * {@code {{item…}}} and {@code {{loop…}}}: known only inside a loop (a forEach for its item).
   * Other names are left as they are, as before loops.
   */
  private static void checkLoopVariable(
      String name, String path, List<Object> at, Scope scope, Problems problems) {
    if (name.equals(Templates.LOOP)) {
      if (scope.loops.isEmpty()) {
        problems.add(at, "value_error", "{{loop" + path + "}} is only known inside a loop");
      } else if (!LOOP_FIELDS.contains(path)) {
        problems.add(at, "value_error", "{{loop" + path + "}}: a loop has index, count and first");
      }
      return;
    }
    if (name.equals(StepSpec.DEFAULT_ITEM_NAME) && !scope.loops.contains(name)) {
      problems.add(
          at,
          "value_error",
          "{{" + name + path + "}} is only known inside a forEach (whose 'as' names it)");
    }
  }

  private ScheduleSpec schedule(JsonObjectReader body, Map<String, InputSpec> declared) {
    ObjectNode node =
        body.optionalObject(
            "schedule", "schedule must be null or an object {cron, timezone, inputs}");
    if (node == null) {
      return null;
    }
    Problems problems = body.problems();
    JsonObjectReader schedule = body.object("schedule", node).allowOnly(SCHEDULE_FIELDS);
    String cron = schedule.requiredString("cron", 200);
    if (cron != null) {
      try {
        CRON.parse(cron).validate();
      } catch (IllegalArgumentException e) {
        problems.add(
            schedule.at("cron"),
            "value_error",
            "not a valid 5-field cron expression: " + e.getMessage());
      }
    }
    String timezone = schedule.optionalString("timezone", 100);
    if (timezone != null) {
      try {
        ZoneId.of(timezone);
      } catch (DateTimeException e) {
        problems.add(
            schedule.at("timezone"), "value_error", "unknown time zone '" + timezone + "'");
      }
    }
    ObjectNode given = schedule.optionalObject("inputs", "inputs must be an object");
    if (given != null || !schedule.has("inputs")) {
      inputs.resolve(declared, given, schedule.at("inputs"), problems, false);
    }
    String overlap = schedule.optionalString("overlap", 20);
    if (overlap != null && !ScheduleSpec.OVERLAPS.contains(overlap)) {
      problems.add(
          schedule.at("overlap"),
          "enum",
          "overlap must be one of " + String.join(", ", ScheduleSpec.OVERLAPS));
    }
    Integer catchup = schedule.optionalInt("catchupWindowSeconds", 10, MAX_CATCHUP_WINDOW_SECONDS);
    Boolean paused = schedule.optionalBoolean("paused");
    String note = schedule.optionalString("note", 500);
    @SuppressWarnings("unchecked")
    Map<String, Object> resolved =
        given == null ? null : mapper.convertValue(given, LinkedHashMap.class);
    return ScheduleSpec.saved(
        cron,
        timezone == null ? "UTC" : timezone,
        resolved,
        overlap == null ? ScheduleSpec.SKIP : overlap,
        catchup == null ? ScheduleSpec.DEFAULT_CATCHUP_WINDOW_SECONDS : catchup,
        Boolean.TRUE.equals(paused),
        note);
  }
}
