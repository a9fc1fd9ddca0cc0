package dev.kestrel.workflows;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kestrel.model.LogLevel;
import dev.kestrel.model.ResumeMode;
import dev.kestrel.model.RunError;
import dev.kestrel.model.RunStatus;
import dev.kestrel.model.StepSpec;
import dev.kestrel.model.TriggerType;
import dev.kestrel.model.WebhookEvent;
import dev.kestrel.workflows.BrowserActivities.Checkpoint;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowFailedException;
import io.temporal.client.WorkflowOptions;
import io.temporal.failure.ApplicationFailure;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.testing.TestWorkflowExtension;
import io.temporal.worker.Worker;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The run workflow in isolation: browser and store activities are fakes that record what the
 * workflow asked of them, so each path (success, failure, lost session, timeout) is checked exactly
 * and fast, with Temporal's time skipping.
 */
class RunWorkflowTest {
  static final String WORKER_QUEUE = TaskQueues.worker("test");

  @RegisterExtension static final TestWorkflowExtension TEMPORAL = temporal();

  /** The run workflow on Temporal's test server, started by each test once it registered fakes. */
  static TestWorkflowExtension temporal() {
    return TestWorkflowExtension.newBuilder()
        .registerWorkflowImplementationTypes(RunWorkflowImpl.class)
        .registerSearchAttribute(
            RunSearchAttributes.STATUS.getName(),
            io.temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD)
        .setDoNotStart(true)
        .build();
  }

  /** Records the run index writes and log entries. */
  static final class FakeRecord implements RunRecordActivities {
    final List<RunState> states = new CopyOnWriteArrayList<>();
    final List<String> logs = new CopyOnWriteArrayList<>();
    final AtomicInteger accepted = new AtomicInteger();

    @Override
    public void recordAccepted(RunInput input) {
      accepted.incrementAndGet();
    }

    @Override
    public void recordState(String runId, RunState state) {
      states.add(state);
    }

    @Override
    public void log(String runId, LogLevel level, String message, String nodeId) {
      logs.add(level + " " + nodeId + " " + message);
    }

    @Override
    public void recordEnd(
        String runId, RunState state, LogLevel level, String message, String nodeId) {
      log(runId, level, message, nodeId);
      recordState(runId, state);
    }
  }

  /** Records the webhook events announced, in order. */
  static final class FakeWebhooks implements WebhookEventActivities {
    final List<String> announced = new CopyOnWriteArrayList<>();

    @Override
    public void announce(String runId, WebhookEvent event) {
      announced.add(event.wireName());
    }

    @Override
    public void announceWait(String runId, int wait) {
      announced.add(WebhookEvent.WAITING.wireName() + "#" + wait);
    }

    @Override
    public LogBatchRef prepareLogBatch(String endpointId, String runId, long afterSeq) {
      throw new UnsupportedOperationException("not the run workflow's");
    }
  }

  /** A browser whose steps extract "value-of-<id>", fail on demand, or lose their session once. */
  static class FakeBrowser implements BrowserActivities {
    final List<String> executed = new CopyOnWriteArrayList<>();

    /** What the steps that type were given to type, as {@code id=value}. */
    final List<String> typed = new CopyOnWriteArrayList<>();

    final Map<String, Integer> sessionsOpened = new ConcurrentHashMap<>();
    final AtomicInteger closed = new AtomicInteger();
    volatile String failAt;
    volatile String loseSessionAt;
    volatile int losses;
    volatile RuntimeException internalFault;

    /** The checkpoint each session opening asked to restore (null: a fresh browser). */
    final List<Checkpoint> restores = new CopyOnWriteArrayList<>();

    volatile boolean checkpointsUnavailable;
    volatile String failOnceAt;
    volatile int failures;

    /**
     * Where the steps record the progress the workflow hands them: the same list as the store's.
     */
    volatile List<RunState> progress = new CopyOnWriteArrayList<>();

    @Override
    public SessionRef openSession(OpenSessionRequest request) {
      if (request.restore() != null && checkpointsUnavailable) {
        throw ApplicationFailure.newNonRetryableFailure(
            "the checkpoint is gone", CHECKPOINT_UNAVAILABLE);
      }
      restores.add(request.restore() == null ? new Checkpoint(0, "none") : request.restore());
      sessionsOpened.merge(request.runId(), 1, Integer::sum);
      return new SessionRef("session-" + request.attempt(), WORKER_QUEUE, "test");
    }

    @Override
    public StepResult runStep(StepRequest request) {
      String id = request.step().id();
      if (request.progress() != null) {
        progress.add(request.progress());
      }
      executed.add(request.sessionId() + ":" + id + ":" + request.step().url());
      if (request.step().value() != null) {
        typed.add(id + "=" + request.step().value());
      }
      if (internalFault != null) {
        throw internalFault;
      }
      if (id.equals(loseSessionAt) && losses-- > 0) {
        throw ApplicationFailure.newFailure("browser crashed", SESSION_LOST);
      }
      if (id.equals(failAt) || (id.equals(failOnceAt) && failures-- > 0)) {
        throw ApplicationFailure.newNonRetryableFailure(
            "Timed out waiting for '#never'", STEP_FAILED);
      }
      if (request.closeSession()) {
        closed.incrementAndGet();
      }
      return new StepResult(
          request.step().output() == null
              ? Map.of()
              : Map.of(request.step().output(), "value-of-" + id),
          request.checkpoint() ? new Checkpoint(request.stepNumber(), "digest-" + id) : null);
    }

    @Override
    public void closeSession(String sessionId) {
      closed.incrementAndGet();
    }

    /** The sessions a wait for input closed, keeping their page. */
    final List<String> suspended = new CopyOnWriteArrayList<>();

    @Override
    public Checkpoint suspendSession(SuspendRequest request) {
      suspended.add(request.sessionId() + ":" + request.nodeId());
      return new Checkpoint(request.step(), "digest-suspended-" + request.nodeId());
    }
  }

  FakeRecord record = new FakeRecord();
  FakeBrowser browser = new FakeBrowser();

  {
    browser.progress = record.states;
  }

  FakeWebhooks webhooks = new FakeWebhooks();

  private RunWorkflow start(TestWorkflowEnvironment env, Worker worker) {
    return start(env, worker, record, webhooks, browser);
  }

  /** Starts the test server with these fakes behind the workflow; a stub of run {@code r1}. */
  static RunWorkflow start(
      TestWorkflowEnvironment env,
      Worker worker,
      FakeRecord record,
      FakeWebhooks webhooks,
      FakeBrowser browser) {
    worker.registerActivitiesImplementations(record, webhooks);
    env.newWorker(TaskQueues.BROWSER).registerActivitiesImplementations(browser);
    env.newWorker(WORKER_QUEUE).registerActivitiesImplementations(browser);
    env.start();
    return env.getWorkflowClient()
        .newWorkflowStub(
            RunWorkflow.class,
            WorkflowOptions.newBuilder()
                .setWorkflowId(RunWorkflow.workflowId("r1"))
                .setTaskQueue(worker.getTaskQueue())
                .build());
  }

  private static RunInput input(int timeoutSeconds, StepSpec... steps) {
    return input(RunInput.ExecutionSettings.defaults(), timeoutSeconds, steps);
  }

  static RunInput input(
      RunInput.ExecutionSettings settings, int timeoutSeconds, StepSpec... steps) {
    return new RunInput(
        "r1",
        "org",
        "task",
        "Task",
        1,
        null,
        TriggerType.API,
        0L,
        Map.of("url", "http://127.0.0.1/x"),
        List.of(steps),
        timeoutSeconds,
        settings);
  }

  private static StepSpec step(String id, String action, String url, String output) {
    return spec(id, action, url, output, false);
  }

  /** {@code step(...)} marked {@code once}: an effect outside the page. */
  private static StepSpec once(String id, String action, String url, String output) {
    return spec(id, action, url, output, true);
  }

  /** A step as its JSON says it, so that the record's other fields stay unset. */
  private static StepSpec spec(String id, String action, String url, String output, boolean once) {
    var json = JSON.createObjectNode().put("id", id).put("action", action);
    if (url != null) {
      json.put("url", url);
    }
    if (output != null) {
      json.put("output", output);
    }
    if (once) {
      json.put("once", true);
    }
    return JSON.convertValue(json, StepSpec.class);
  }

  static final com.fasterxml.jackson.databind.ObjectMapper JSON =
      new com.fasterxml.jackson.databind.ObjectMapper();

  /** A cart read, a payment marked once, then {@code last} (writing {@code output}). */
  private static StepSpec[] payingTask(String last, String output) {
    return new StepSpec[] {
      step("cart", "extract", null, "a"),
      once("pay", "goto", "https://shop.example/pay", null),
      step(last, "extract", null, output)
    };
  }

  @Test
  void aSessionLostWhileAOnceStepRunsFailsTheRunAsInterruptedAndNeverRunsItAgain(
      TestWorkflowEnvironment env, Worker worker) {
    browser.loseSessionAt = "pay";
    browser.losses = 1;
    RunWorkflow run = start(env, worker);

    assertThatThrownBy(() -> run.run(input(60, payingTask("receipt", "b"))))
        .isInstanceOf(WorkflowFailedException.class);

    RunState last = record.states.get(record.states.size() - 1);
    assertThat(last.status()).isEqualTo(RunStatus.FAILED);
    assertThat(last.error().code()).isEqualTo("interrupted_side_effect");
    assertThat(last.error().nodeId()).isEqualTo("pay");
    assertThat(last.error().message())
        .contains("Step 2 (pay", "is not run again", "Check whether it took effect");
    assertThat(browser.executed).filteredOn(e -> e.contains(":pay:")).hasSize(1);
    assertThat(browser.executed).noneMatch(e -> e.contains(":receipt:"));
  }

  @Test
  void startingOverNeverRepeatsACompletedOnceStep(TestWorkflowEnvironment env, Worker worker) {
    browser.loseSessionAt = "receipt";
    browser.losses = 1;
    browser.checkpointsUnavailable = true;
    RunWorkflow run = start(env, worker);

    assertThatThrownBy(() -> run.run(input(60, payingTask("receipt", "b"))))
        .isInstanceOf(WorkflowFailedException.class);

    RunState last = record.states.get(record.states.size() - 1);
    assertThat(last.error().code()).isEqualTo("interrupted_side_effect");
    assertThat(last.error().nodeId()).isEqualTo("pay");
    assertThat(last.error().message()).contains("would run step 2 (pay", "not repeated");
    assertThat(browser.executed).filteredOn(e -> e.contains(":pay:")).hasSize(1);
  }

  @Test
  void aRunResumedAfterACompletedOnceStepGoesOnWithoutRepeatingIt(
      TestWorkflowEnvironment env, Worker worker) {
    browser.loseSessionAt = "receipt";
    browser.losses = 1;
    RunWorkflow run = start(env, worker);

    RunState end = run.run(input(60, payingTask("receipt", "b")));

    assertThat(end.status()).isEqualTo(RunStatus.COMPLETED);
    assertThat(browser.executed).filteredOn(e -> e.contains(":pay:")).hasSize(1);
    assertThat(browser.executed).filteredOn(e -> e.contains(":receipt:")).hasSize(2);
  }

  @Test
  void aTaskThatRestartsOnLossKeepsNoCheckpointAndStartsOverAtStepOne(
      TestWorkflowEnvironment env, Worker worker) {
    browser.loseSessionAt = "third";
    browser.losses = 1;
    RunWorkflow run = start(env, worker);

    RunState end =
        run.run(
            input(
                RunInput.ExecutionSettings.defaults().withResume(ResumeMode.RESTART),
                60,
                step("first", "extract", null, "a"),
                step("second", "extract", null, "b"),
                step("third", "extract", null, "c")));

    assertThat(end.status()).isEqualTo(RunStatus.COMPLETED);
    assertThat(browser.restores).containsOnly(new Checkpoint(0, "none"));
    assertThat(browser.executed)
        .containsExactly(
            "session-1:first:null",
            "session-1:second:null",
            "session-1:third:null",
            "session-2:first:null",
            "session-2:second:null",
            "session-2:third:null");
  }

  @Test
  void aStepThatFailsRightAfterAResumeStartsTheRunOverOnce(
      TestWorkflowEnvironment env, Worker worker) {
    browser.loseSessionAt = "second";
    browser.losses = 1;
    browser.failOnceAt = "second";
    browser.failures = 1;
    RunWorkflow run = start(env, worker);

    RunState end =
        run.run(
            input(60, step("first", "extract", null, "a"), step("second", "extract", null, "b")));

    assertThat(end.status()).isEqualTo(RunStatus.COMPLETED);
    assertThat(browser.executed)
        .containsExactly(
            "session-1:first:null",
            "session-1:second:null",
            "session-2:second:null",
            "session-3:first:null",
            "session-3:second:null");
    assertThat(record.logs)
        .anyMatch(
            l ->
                l.contains("Step 2 failed right after resuming from the checkpoint of step 1")
                    && l.contains("starting over at step 1, once"));
  }

  @Test
  void aStepThatFailsRightAfterAResumeDoesNotStartOverPastACompletedOnceStep(
      TestWorkflowEnvironment env, Worker worker) {
    browser.loseSessionAt = "third";
    browser.losses = 1;
    browser.failOnceAt = "third";
    browser.failures = 1;
    RunWorkflow run = start(env, worker);

    assertThatThrownBy(() -> run.run(input(60, payingTask("third", "c"))))
        .isInstanceOf(WorkflowFailedException.class);

    RunState last = record.states.get(record.states.size() - 1);
    assertThat(last.error().code()).isEqualTo("step_failed");
    assertThat(browser.executed).filteredOn(e -> e.contains(":pay:")).hasSize(1);
    assertThat(record.logs)
        .anyMatch(
            l -> l.contains("not starting over at step 1, which would run step 2 (pay) again"));
  }

  @Test
  void walksEveryStepOnOneSessionAndCompletes(TestWorkflowEnvironment env, Worker worker) {
    RunWorkflow run = start(env, worker);

    RunState end =
        run.run(
            input(
                60,
                step("open", "goto", "{{inputs.url}}", null),
                step("read", "extract", null, "status"),
                step("use", "goto", "http://127.0.0.1/{{outputs.status}}", null)));

    assertThat(end.status()).isEqualTo(RunStatus.COMPLETED);
    assertThat(end.currentStep()).isEqualTo(3);
    assertThat(end.outputs()).containsEntry("status", "value-of-read");
    assertThat(end.startedAtMillis()).isNotNull();
    assertThat(end.finishedAtMillis()).isGreaterThanOrEqualTo(end.startedAtMillis());
    assertThat(browser.executed)
        .containsExactly(
            "session-1:open:http://127.0.0.1/x",
            "session-1:read:null",
            "session-1:use:http://127.0.0.1/value-of-read");
    assertThat(browser.closed.get()).isEqualTo(1);
    assertThat(record.accepted.get()).isEqualTo(1);
    assertThat(record.states)
        .extracting(RunState::status)
        .containsExactly(
            RunStatus.RUNNING, RunStatus.RUNNING, RunStatus.RUNNING, RunStatus.COMPLETED);
    assertThat(record.states).extracting(RunState::currentStep).containsExactly(1, 2, 3, 3);
    assertThat(webhooks.announced).containsExactly("task-run.started", "task-run.completed");
  }

  @Test
  void aFailedStepFailsTheRunWithItsNodeId(TestWorkflowEnvironment env, Worker worker) {
    browser.failAt = "wait";
    RunWorkflow run = start(env, worker);

    assertThatThrownBy(
            () ->
                run.run(
                    input(
                        60,
                        step("open", "goto", "u", null),
                        step("wait", "waitFor", null, null),
                        step("never", "goto", "v", null))))
        .isInstanceOf(WorkflowFailedException.class);

    RunState last = record.states.get(record.states.size() - 1);
    assertThat(last.status()).isEqualTo(RunStatus.FAILED);
    assertThat(last.error())
        .isEqualTo(new RunError(RunError.STEP_FAILED, "Timed out waiting for '#never'", "wait"));
    assertThat(browser.executed).hasSize(2);
    assertThat(browser.closed.get()).isEqualTo(1);
    assertThat(record.logs).anyMatch(l -> l.startsWith("ERROR wait Run failed"));
    assertThat(webhooks.announced).containsExactly("task-run.started", "task-run.failed");
  }

  @Test
  void aLostSessionResumesAtTheStepAfterTheLastCheckpointKeepingTheOutputsBeforeIt(
      TestWorkflowEnvironment env, Worker worker) {
    browser.loseSessionAt = "third";
    browser.losses = 1;
    RunWorkflow run = start(env, worker);

    RunState end =
        run.run(
            input(
                60,
                step("first", "extract", null, "a"),
                step("second", "extract", null, "b"),
                step("third", "extract", null, "c")));

    assertThat(end.status()).isEqualTo(RunStatus.COMPLETED);
    assertThat(end.sessionAttempt()).isEqualTo(2);
    assertThat(end.outputs()).containsOnlyKeys("a", "b", "c");
    assertThat(browser.executed)
        .as("nothing before the checkpoint runs again")
        .containsExactly(
            "session-1:first:null",
            "session-1:second:null",
            "session-1:third:null",
            "session-2:third:null");
    assertThat(browser.restores)
        .containsExactly(new Checkpoint(0, "none"), new Checkpoint(2, "digest-second"));
    assertThat(record.logs)
        .anyMatch(
            l ->
                l.contains("was lost at step 3")
                    && l.contains("resuming at step 3 from the checkpoint of step 2"));
    assertThat(webhooks.announced)
        .as("a resumed session does not start the run again")
        .containsExactly("task-run.started", "task-run.completed");
  }

  @Test
  void aSessionLostBeforeAnyCheckpointStartsOverAtStepOneWithFreshOutputs(
      TestWorkflowEnvironment env, Worker worker) {
    browser.loseSessionAt = "first";
    browser.losses = 1;
    RunWorkflow run = start(env, worker);

    RunState end =
        run.run(
            input(60, step("first", "extract", null, "a"), step("second", "extract", null, "b")));

    assertThat(end.status()).isEqualTo(RunStatus.COMPLETED);
    assertThat(end.outputs()).containsOnlyKeys("a", "b");
    assertThat(browser.executed)
        .containsExactly("session-1:first:null", "session-2:first:null", "session-2:second:null");
    assertThat(record.logs)
        .anyMatch(
            l ->
                l.contains("was lost at step 1")
                    && l.contains("restarting the session from step 1"));
  }

  @Test
  void aCheckpointThatCannotBeRestoredStartsTheRunOverAtStepOne(
      TestWorkflowEnvironment env, Worker worker) {
    browser.loseSessionAt = "second";
    browser.losses = 1;
    browser.checkpointsUnavailable = true;
    RunWorkflow run = start(env, worker);

    RunState end =
        run.run(
            input(60, step("first", "extract", null, "a"), step("second", "extract", null, "b")));

    assertThat(end.status()).isEqualTo(RunStatus.COMPLETED);
    assertThat(browser.executed)
        .containsExactly(
            "session-1:first:null",
            "session-1:second:null",
            "session-2:first:null",
            "session-2:second:null");
    assertThat(record.logs)
        .anyMatch(
            l ->
                l.contains(
                        "The checkpoint of step 1 could not be restored (the checkpoint is gone)")
                    && l.contains("starting over at step 1"));
  }

  @Test
  void runsOutOfSessionAttemptsAsBrowserCrashed(TestWorkflowEnvironment env, Worker worker) {
    browser.loseSessionAt = "only";
    browser.losses = 10;
    RunWorkflow run = start(env, worker);

    assertThatThrownBy(() -> run.run(input(60, step("only", "goto", "u", null))))
        .isInstanceOf(WorkflowFailedException.class);

    RunState last = record.states.get(record.states.size() - 1);
    assertThat(last.status()).isEqualTo(RunStatus.FAILED);
    assertThat(last.error().code()).isEqualTo(RunError.BROWSER_CRASHED);
    assertThat(browser.sessionsOpened.get("r1")).isEqualTo(3);
  }

  @Test
  void anInternalFaultNeverShowsItsInternalsInTheRunsErrorOrLog(
      TestWorkflowEnvironment env, Worker worker) {
    browser.internalFault =
        new IllegalStateException(
            "org.h2.jdbc.JdbcSQLSyntaxErrorException: UPDATE runs SET status = ? WHERE id = ?");
    RunWorkflow run = start(env, worker);

    assertThatThrownBy(() -> run.run(input(60, step("only", "goto", "u", null))))
        .isInstanceOf(WorkflowFailedException.class);

    RunState last = record.states.get(record.states.size() - 1);
    assertThat(last.status()).isEqualTo(RunStatus.FAILED);
    assertThat(last.error().message())
        .doesNotContain("UPDATE runs", "h2", "IllegalStateException")
        .contains("internal error");
    assertThat(record.logs)
        .noneMatch(l -> l.contains("UPDATE runs") || l.contains("IllegalStateException"));
  }

  @Test
  void theRunTimeoutFailsTheRunAsTimeout(TestWorkflowEnvironment env, Worker worker) {
    worker.registerActivitiesImplementations(record, webhooks);
    BrowserActivities slow =
        new FakeBrowser() {
          @Override
          public StepResult runStep(StepRequest request) {
            while (true) {
              try {
                Thread.sleep(200);
                io.temporal.activity.Activity.getExecutionContext().heartbeat(null);
              } catch (InterruptedException e) {
                throw new IllegalStateException(e);
              }
            }
          }
        };
    env.newWorker(TaskQueues.BROWSER).registerActivitiesImplementations(slow);
    env.newWorker(WORKER_QUEUE).registerActivitiesImplementations(slow);
    env.start();
    WorkflowClient client = env.getWorkflowClient();
    RunWorkflow run =
        client.newWorkflowStub(
            RunWorkflow.class,
            WorkflowOptions.newBuilder()
                .setWorkflowId("run-timeout")
                .setTaskQueue(worker.getTaskQueue())
                .build());

    assertThatThrownBy(() -> run.run(input(2, step("forever", "waitFor", null, null))))
        .isInstanceOf(WorkflowFailedException.class);

    RunState last = record.states.get(record.states.size() - 1);
    assertThat(last.status()).isEqualTo(RunStatus.FAILED);
    assertThat(last.error().code()).isEqualTo(RunError.TIMEOUT);
    assertThat(last.error().nodeId()).isEqualTo("forever");
    assertThat(webhooks.announced).containsExactly("task-run.started", "task-run.failed");
  }

  /**
   * Issue 28: under a backlog, runs timed out while they waited for a browser slot, before any step
   * ran. The run's clock starts with its first step.
   */
  @Test
  void waitingForABrowserSlotDoesNotCountTowardTheRunTimeout(
      TestWorkflowEnvironment env, Worker worker) {
    worker.registerActivitiesImplementations(record, webhooks);
    FakeBrowser full =
        new FakeBrowser() {
          @Override
          public SessionRef openSession(OpenSessionRequest request) {
            // As a worker whose slots are all taken: it heartbeats for 3 s, then one frees up.
            for (int i = 0; i < 15; i++) {
              try {
                Thread.sleep(200);
              } catch (InterruptedException e) {
                throw new IllegalStateException(e);
              }
              io.temporal.activity.Activity.getExecutionContext().heartbeat("waiting for a slot");
            }
            return super.openSession(request);
          }
        };
    env.newWorker(TaskQueues.BROWSER).registerActivitiesImplementations(full);
    env.newWorker(WORKER_QUEUE).registerActivitiesImplementations(full);
    env.start();
    RunWorkflow run =
        env.getWorkflowClient()
            .newWorkflowStub(
                RunWorkflow.class,
                WorkflowOptions.newBuilder()
                    .setWorkflowId("run-queued")
                    .setTaskQueue(worker.getTaskQueue())
                    .build());

    RunState end = run.run(input(2, step("open", "goto", "u", null)));

    assertThat(end.status()).isEqualTo(RunStatus.COMPLETED);
    assertThat(full.executed).containsExactly("session-1:open:u");
  }

  @Test
  void anOptionalStepThatFailsIsPassedOverAndTheRunCompletes(
      TestWorkflowEnvironment env, Worker worker) throws Exception {
    browser.failAt = "banner";
    RunWorkflow run = start(env, worker);
    StepSpec optional =
        JSON.readValue(
            "{\"id\": \"banner\", \"action\": \"click\", \"selector\": \"#ok\","
                + " \"optional\": true}",
            StepSpec.class);

    RunState end =
        run.run(
            input(
                60, step("open", "goto", "u", null), optional, step("read", "extract", null, "r")));

    assertThat(end.status()).isEqualTo(RunStatus.COMPLETED);
    assertThat(end.error()).isNull();
    assertThat(end.outputs()).containsEntry("r", "value-of-read");
    assertThat(browser.executed)
        .extracting(e -> e.split(":")[1])
        .containsExactly("open", "banner", "read");
  }
}
