package dev.kestrel.server.core;

import dev.kestrel.model.FieldSpec;
import dev.kestrel.model.StepSpec;
import dev.kestrel.model.api.Run;
import dev.kestrel.store.Sealer;
import dev.kestrel.store.db.RunDao;
import dev.kestrel.store.records.Organization;
import dev.kestrel.store.records.RunRecord;
import dev.kestrel.workflows.InputAnswer;
import dev.kestrel.workflows.InputValues;
import dev.kestrel.workflows.RunInput;
import dev.kestrel.workflows.SealedText;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Answers to input steps (SPEC 10), from the API and from input links alike: checked against the
 * step's fields as the run's task version declares them, secrets sealed here (they go on only
 * sealed, with a keyed fingerprint), then handed to the run's workflow, whose update validator has
 * the last word. Answered with the run as its row shows it once the workflow took the answer.
 */
public final class InputAnswers {
  private final RunService runs;
  private final RunDao rows;
  private final RunEngine engine;
  private final Sealer sealer;

  public InputAnswers(RunService runs, RunDao rows, RunEngine engine, Sealer sealer) {
    this.runs = runs;
    this.rows = rows;
    this.engine = engine;
    this.sealer = sealer;
  }

  /**
   * Answers the wait of the run's input step {@code stepId}; {@code waitNumber}, when given, binds
   * the answer to that one wait (an input link's).
   *
   * @throws InvalidRequest a 400 naming the step or the field that is wrong
   * @throws Conflict {@code not_waiting}, when the run does not wait for it
   */
  public Run submit(
      Organization org,
      String runId,
      String stepId,
      Map<String, Object> values,
      Integer waitNumber) {
    RunRecord run = runs.find(org, runId);
    Map<String, FieldSpec> fields = fieldsOf(run, stepId);
    Problems problems = new Problems();
    for (InputValues.Problem p : InputValues.check(fields, values, true)) {
      problems.add(List.copyOf(p.loc()), p.type(), p.msg());
    }
    problems.throwIfAny();
    if (run.status().isTerminal()) {
      throw new Conflict("not_waiting");
    }
    try {
      engine.submitInput(runId, sealed(runId, stepId, fields, values, waitNumber));
    } catch (InputRefused refused) {
      if (refused.notWaiting()) {
        throw new Conflict("not_waiting");
      }
      throw Problems.single(List.of("body", "values"), "value_error", refused.getMessage());
    }
    return runs.get(org, runId);
  }

  /**
   * The fields of the input step {@code stepId} of the run's task version; 400 if there is none.
   */
  private Map<String, FieldSpec> fieldsOf(RunRecord run, String stepId) {
    RunInput input = rows.workflowInput(run.id());
    List<StepSpec> steps = input == null ? List.of() : input.steps();
    return steps.stream()
        .filter(s -> s.waitsForInput() && s.id().equals(stepId))
        .findFirst()
        .map(StepSpec::fields)
        .orElseThrow(
            () ->
                Problems.single(
                    List.of("body", "stepId"),
                    "value_error",
                    "stepId '" + stepId + "' names no input step of this run's task"));
  }

  /** The answer as the workflow gets it: each secret sealed to the run, and fingerprinted. */
  private InputAnswer sealed(
      String runId,
      String stepId,
      Map<String, FieldSpec> fields,
      Map<String, Object> values,
      Integer waitNumber) {
    Map<String, Object> out = new LinkedHashMap<>();
    Map<String, String> fingerprints = new LinkedHashMap<>();
    values.forEach(
        (name, value) -> {
          FieldSpec field = fields.get(name);
          if (field != null && field.isSecret() && value instanceof String secret) {
            byte[] bytes = secret.getBytes(StandardCharsets.UTF_8);
            out.put(
                name,
                SealedText.token(
                    Base64.getUrlEncoder()
                        .withoutPadding()
                        .encodeToString(sealer.seal(bytes, SealedText.boundTo(runId)))));
            fingerprints.put(
                name,
                sealer.mac("secret-input", runId + "/" + stepId + "/" + name + "\n" + secret));
          } else {
            out.put(name, value);
          }
        });
    return new InputAnswer(stepId, waitNumber, out, fingerprints);
  }
}
