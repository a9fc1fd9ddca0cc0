package dev.kestrel.workflows;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.kestrel.model.RunStatus;
import dev.kestrel.model.StepSpec;
import dev.kestrel.model.WaitingFor;
import dev.kestrel.workflows.BrowserActivities.Checkpoint;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowFailedException;
import io.temporal.client.WorkflowStub;
import io.temporal.client.WorkflowUpdateException;
import io.temporal.failure.ApplicationFailure;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.testing.TestWorkflowExtension;
import io.temporal.worker.Worker;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * An input step in the run workflow alone (SPEC 10), with the fakes of {@link RunWorkflowTest}: the
 * wait, its answer through the update and its validator, the hold that frees the session, the
 * timeouts, and the run's timeout standing still while it waits.
 */
class InputStepWorkflowTest {

  @RegisterExtension static final TestWorkflowExtension TEMPORAL = RunWorkflowTest.temporal();

  final RunWorkflowTest.FakeRecord record = new RunWorkflowTest.FakeRecord();
  final RunWorkflowTest.FakeBrowser browser = new RunWorkflowTest.FakeBrowser();
  final RunWorkflowTest.FakeWebhooks webhooks = new RunWorkflowTest.FakeWebhooks();

  private RunWorkflow start(TestWorkflowEnvironment env, Worker worker, RunInput input) {
    RunWorkflow run = RunWorkflowTest.start(env, worker, record, webhooks, browser);
    WorkflowClient.start(run::run, input);
    return run;
  }

  private static StepSpec step(String json) {
    try {
      return RunWorkflowTest.JSON.readValue(json, StepSpec.class);
    } catch (java.io.IOException e) {
      throw new IllegalArgumentException(e);
    }
  }

  /** Open a page, ask for a code (and an optional note), type it, read the page. */
  private static RunInput codeTask(
      RunInput.ExecutionSettings settings, int runTimeoutSeconds, String inputExtra) {
    return RunWorkflowTest.input(
        settings,
        runTimeoutSeconds,
        step("{\"id\": \"open\", \"action\": \"goto\", \"url\": \"http://127.0.0.1/login\"}"),
        step(
            "{\"id\": \"otp\", \"action\": \"input\", \"prompt\": \"The code we texted you\","
                + " \"fields\": {\"code\": {\"type\": \"secret\", \"pattern\": \"[0-9]{6}\"},"
                + " \"note\": {\"type\": \"string\", \"required\": false}}"
                + inputExtra
                + "}"),
        step(
            "{\"id\": \"type\", \"action\": \"fill\", \"selector\": \"#code\","
                + " \"value\": \"{{input.otp.code}}|{{input.otp.note}}\"}"),
        step(
            "{\"id\": \"read\", \"action\": \"extract\", \"selector\": \"#r\", \"output\": \"r\"}"));
  }

  private WaitingFor awaitWaiting() {
    return await()
        .atMost(Duration.ofSeconds(20))
        .until(
            () ->
                record.states.isEmpty()
                    ? null
                    : record.states.get(record.states.size() - 1).waitingFor(),
            w -> w != null);
  }

  private static InputAnswer answer(String stepId, Map<String, Object> values) {
    return new InputAnswer(stepId, null, values, Map.of("code", "fp-1"));
  }

  @Test
  void theRunWaitsTakesTheAnswerThroughItsValidatorAndGoesOnInTheSameSession(
      TestWorkflowEnvironment env, Worker worker) {
    RunWorkflow run = start(env, worker, codeTask(RunInput.ExecutionSettings.defaults(), 60, ""));

    WaitingFor waiting = awaitWaiting();
    assertThat(waiting.stepId()).isEqualTo("otp");
    assertThat(waiting.prompt()).isEqualTo("The code we texted you");
    assertThat(waiting.fields()).containsOnlyKeys("code", "note");
    assertThat(waiting.waitNumber()).isEqualTo(1);
    // The row shows the wait first; the log line and the event follow.
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () -> {
              assertThat(webhooks.announced)
                  .containsExactly("task-run.started", "task-run.waiting#1");
              assertThat(record.logs)
                  .anyMatch(l -> l.contains("Waiting for input at step 2: The code"));
            });
    assertThat(run.state().waitingFor()).isNotNull();

    assertThat(refusal(() -> run.submitInput(answer("otp", Map.of("code", 12, "x", "y")))))
        .satisfies(
            f -> {
              assertThat(f.getKey()).isEqualTo(RunWorkflow.INPUT_INVALID);
              assertThat(f.getValue()).startsWith("'x' is not a field");
            });
    assertThat(refusal(() -> run.submitInput(answer("other", Map.of("code", "s")))).getKey())
        .isEqualTo(RunWorkflow.NOT_WAITING);

    run.submitInput(answer("otp", Map.of("code", "{{sealed:abc}}")));
    assertThat(record.states.get(record.states.size() - 1).waitingFor())
        .as("the row shows the wait over once the answer is taken")
        .isNull();
    run.submitInput(answer("otp", Map.of("code", "{{sealed:other-seal}}")));
    assertThat(
            refusal(
                    () ->
                        run.submitInput(
                            new InputAnswer(
                                "otp", null, Map.of("code", "x"), Map.of("code", "fp-2"))))
                .getKey())
        .as("another answer to an answered wait")
        .isEqualTo(RunWorkflow.NOT_WAITING);

    RunState end = WorkflowStub.fromTyped(run).getResult(RunState.class);
    assertThat(end.status()).isEqualTo(RunStatus.COMPLETED);
    assertThat(browser.typed).containsExactly("type={{sealed:abc}}|");
    assertThat(browser.suspended).isEmpty();
    assertThat(browser.sessionsOpened).containsEntry("r1", 1);
    assertThat(record.logs).anyMatch(l -> l.contains("Input received for step otp"));
  }

  @Test
  void aWaitPastTheHoldKeepsThePageFreesTheSessionAndResumesFromItWhenAnswered(
      TestWorkflowEnvironment env, Worker worker) {
    RunInput.ExecutionSettings settings =
        new RunInput.ExecutionSettings(
            4, 10, 3, 30_000, 0, 0, null, dev.kestrel.model.ResumeMode.CHECKPOINT, 5);
    RunWorkflow run = start(env, worker, codeTask(settings, 60, ", \"timeoutSeconds\": 600"));
    awaitWaiting();

    env.sleep(Duration.ofSeconds(30));
    await().atMost(Duration.ofSeconds(10)).until(() -> browser.suspended.size() == 1);
    assertThat(browser.suspended).containsExactly("session-1:otp");

    run.submitInput(answer("otp", Map.of("code", "{{sealed:abc}}", "note", "hi")));
    RunState end = WorkflowStub.fromTyped(run).getResult(RunState.class);

    assertThat(end.status()).isEqualTo(RunStatus.COMPLETED);
    assertThat(browser.restores)
        .containsExactly(new Checkpoint(0, "none"), new Checkpoint(2, "digest-suspended-otp"));
    assertThat(browser.executed)
        .filteredOn(e -> e.startsWith("session-2:"))
        .extracting(e -> e.split(":")[1])
        .containsExactly("type", "read");
    assertThat(browser.typed).containsExactly("type={{sealed:abc}}|hi");
    assertThat(record.logs)
        .as("a resume after a wait is no loss")
        .noneMatch(l -> l.contains("was lost"));
  }

  @Test
  void anUnansweredWaitFailsTheRunAsInputTimeout(TestWorkflowEnvironment env, Worker worker) {
    RunWorkflow run =
        start(
            env,
            worker,
            codeTask(RunInput.ExecutionSettings.defaults(), 60, ", \"timeoutSeconds\": 5"));

    assertThatThrownBy(() -> WorkflowStub.fromTyped(run).getResult(RunState.class))
        .isInstanceOf(WorkflowFailedException.class);
    RunState last = record.states.get(record.states.size() - 1);
    assertThat(last.status()).isEqualTo(RunStatus.FAILED);
    assertThat(last.error().code()).isEqualTo("input_timeout");
    assertThat(last.error().nodeId()).isEqualTo("otp");
    assertThat(last.waitingFor()).isNull();
    assertThat(browser.typed).isEmpty();
  }

  @Test
  void anUnansweredWaitThatContinuesGoesOnWithEmptyValuesAndItsTimeIsNotTheRunsTimeout(
      TestWorkflowEnvironment env, Worker worker) {
    // The run may take 30 s; the wait alone takes 120 s.
    RunWorkflow run =
        start(
            env,
            worker,
            codeTask(
                RunInput.ExecutionSettings.defaults(),
                30,
                ", \"timeoutSeconds\": 120, \"onTimeout\": \"continue\""));

    RunState end = WorkflowStub.fromTyped(run).getResult(RunState.class);

    assertThat(end.status()).isEqualTo(RunStatus.COMPLETED);
    assertThat(browser.typed).containsExactly("type=|");
    assertThat(record.logs).anyMatch(l -> l.contains("going on with empty values"));
  }

  /** The refusal's type and message. */
  private static Map.Entry<String, String> refusal(Runnable update) {
    try {
      update.run();
    } catch (WorkflowUpdateException e) {
      return RunWorkflow.refusalOf((ApplicationFailure) e.getCause());
    }
    throw new AssertionError("the update was taken");
  }
}
