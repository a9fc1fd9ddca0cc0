package dev.kestrel.server.system;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.Timestamp;
import dev.kestrel.client.KestrelApiException;
import dev.kestrel.client.KestrelClient;
import dev.kestrel.client.TaskQuery;
import dev.kestrel.engine.TemporalSettings;
import dev.kestrel.model.RunStatus;
import dev.kestrel.model.ScheduleSpec;
import dev.kestrel.model.TaskDefinition;
import dev.kestrel.model.TriggerType;
import dev.kestrel.model.api.Run;
import dev.kestrel.model.api.Task;
import dev.kestrel.server.config.KestrelConfiguration;
import dev.kestrel.server.support.TestApps;
import dev.kestrel.testkit.TemporalDevServer;
import dev.kestrel.workflows.RunSearchAttributes;
import dev.kestrel.workflows.RunWorkflow;
import io.dropwizard.testing.junit5.DropwizardAppExtension;
import io.dropwizard.testing.junit5.DropwizardExtensionsSupport;
import io.temporal.api.workflowservice.v1.ListScheduleMatchingTimesRequest;
import io.temporal.client.WorkflowClient;
import io.temporal.client.schedules.ScheduleClient;
import io.temporal.client.schedules.ScheduleDescription;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Schedules on a real Temporal server (the dev server; the in-memory one has no schedules): a
 * task's schedule is a Temporal Schedule that queues runs as the API does, follows every save of
 * the task, and goes with it; an operator's run is MANUAL.
 */
@ExtendWith(DropwizardExtensionsSupport.class)
class ScheduleIT {
  static final TemporalDevServer TEMPORAL = startTemporal();
  static final DropwizardAppExtension<KestrelConfiguration> APP =
      TestApps.app(
          config ->
              config.temporal().mode(TemporalSettings.Mode.EXTERNAL).target(TEMPORAL.target()));
  static final WorkflowServiceStubs SERVICE =
      WorkflowServiceStubs.newServiceStubs(
          WorkflowServiceStubsOptions.newBuilder().setTarget(TEMPORAL.target()).build());
  static final ScheduleClient SCHEDULES = ScheduleClient.newInstance(SERVICE);

  static TemporalDevServer startTemporal() {
    try {
      return new TemporalDevServer(Files.createTempDirectory("kestrel-schedules-"), false).start();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @AfterAll
  static void stopTemporal() {
    SERVICE.shutdownNow();
    TEMPORAL.close();
  }

  static String task(KestrelClient api, String name, String schedule) {
    return api.createTask(
            """
        {"name": "%s", "inputs": {"region": {"type": "string", "default": "us"}},
         "steps": [{"id": "w", "action": "waitFor", "ms": 100}],
         "schedule": %s}
        """
                .formatted(name, schedule))
        .id();
  }

  /** The Java client on the application under test. */
  static KestrelClient client() {
    return TestApps.client("http://127.0.0.1:" + APP.getLocalPort());
  }

  static ScheduleDescription describe(String taskId) {
    return SCHEDULES.getHandle("task-" + taskId).describe();
  }

  /** Whether the engine has no schedule for the task (it answers NOT_FOUND). */
  static boolean gone(String taskId) {
    try {
      describe(taskId);
      return false;
    } catch (RuntimeException e) {
      for (Throwable t = e; t != null; t = t.getCause()) {
        if (t instanceof io.grpc.StatusRuntimeException s
            && s.getStatus().getCode() == io.grpc.Status.Code.NOT_FOUND) {
          return true;
        }
      }
      throw e;
    }
  }

  @Test
  void aTaskEveryMinuteGetsScheduledRunsUntilItsScheduleIsRemovedAndDeletingTheTaskRemovesIt()
      throws Exception {
    KestrelClient api = client();
    String taskId =
        task(api, "Every minute", "{\"cron\": \"* * * * *\", \"inputs\": {\"region\": \"eu\"}}");

    ScheduleDescription schedule = describe(taskId);
    assertThat(schedule.getMemo("task", String.class))
        .as("the schedule names its task for ops")
        .isEqualTo("Every minute");

    Run run =
        await()
            .atMost(Duration.ofSeconds(70))
            .pollInterval(Duration.ofSeconds(1))
            .until(() -> api.taskRuns(taskId), r -> r.size() > 0)
            .get(0);
    assertThat(run.triggerType()).isEqualTo(TriggerType.SCHEDULE);
    assertThat(run.inputs().get("region")).isEqualTo("eu");
    assertThat(api.awaitEnd(run.id(), Duration.ofSeconds(60)).status())
        .isEqualTo(RunStatus.COMPLETED);
    String trigger =
        WorkflowClient.newInstance(SERVICE)
            .newUntypedWorkflowStub(RunWorkflow.workflowId(run.id()))
            .describe()
            .getTypedSearchAttributes()
            .get(RunSearchAttributes.TRIGGER);
    assertThat(trigger).as("ops filter scheduled runs in the Temporal UI").isEqualTo("schedule");
    Task shownTask = api.getTask(taskId);
    ScheduleSpec shown = shownTask.schedule();
    assertThat(shown.lastRunAt()).endsWith("Z");
    assertThat(Instant.parse(shown.nextRunAt())).isAfter(Instant.parse(shown.lastRunAt()));

    Task updated =
        api.updateTask(
            taskId,
            new TaskDefinition(
                shownTask.name(),
                shownTask.description(),
                shownTask.inputs(),
                shownTask.steps(),
                shownTask.timeoutSeconds(),
                null,
                shownTask.trace()));
    Instant removedAt = Instant.now();
    assertThat(updated.version()).isEqualTo(2);
    assertThat(gone(taskId)).as("the Temporal Schedule is gone").isTrue();
    // Nothing can fire for the task any more: the engine holds no schedule for it (asserted just
    // above). Once no firing is in flight, every run of the task was made before the removal (a
    // firing that had begun as it was removed records its run within a moment).
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () ->
                assertThat(
                        WorkflowClient.newInstance(SERVICE)
                            .listExecutions(
                                "WorkflowType = 'TaskScheduleWorkflow' AND KestrelTaskId = '"
                                    + taskId
                                    + "' AND ExecutionStatus = 'Running'")
                            .count())
                    .as("no firing in flight")
                    .isZero());
    assertThat(api.taskRuns(taskId))
        .as("no firing after the schedule was removed")
        .allSatisfy(
            r ->
                assertThat(Instant.parse(r.timestamps().createdAt()))
                    .isBefore(removedAt.plusSeconds(2)));

    String another = task(api, "Deleted with its task", "{\"cron\": \"0 3 * * *\"}");
    assertThat(gone(another)).isFalse();
    api.deleteTask(another);
    assertThat(gone(another)).as("deleting the task deletes its schedule").isTrue();
  }

  @Test
  void aScheduleIsTriggeredPausedWithANoteAndUnpausedAndADraftsIsPaused() {
    KestrelClient api = client();
    String taskId =
        task(
            api,
            "Yearly",
            "{\"cron\": \"0 0 1 1 *\", \"timezone\": \"Europe/Berlin\", \"overlap\": \"buffer_one\"}");

    assertThat(api.triggerSchedule(taskId).id()).isEqualTo(taskId);
    Run run =
        await()
            .atMost(Duration.ofSeconds(30))
            .until(() -> api.taskRuns(taskId), r -> r.size() > 0)
            .get(0);
    assertThat(run.triggerType()).isEqualTo(TriggerType.SCHEDULE);
    assertThat(api.awaitEnd(run.id(), Duration.ofSeconds(60)).status())
        .isEqualTo(RunStatus.COMPLETED);

    Task paused = api.pauseSchedule(taskId, "holiday freeze");
    assertThat(describe(taskId).getSchedule().getState().isPaused()).isTrue();
    assertThat(api.getTask(taskId).schedule().note()).isEqualTo("holiday freeze");
    assertThat(api.getTask(taskId).schedule().paused()).isTrue();
    assertThat(paused.id()).isEqualTo(taskId);
    api.unpauseSchedule(taskId, null);
    assertThat(describe(taskId).getSchedule().getState().isPaused()).isFalse();
    assertThat(describe(taskId).getSchedule().getPolicy().getOverlap())
        .isEqualTo(
            io.temporal.api.enums.v1.ScheduleOverlapPolicy.SCHEDULE_OVERLAP_POLICY_BUFFER_ONE);

    String draft =
        api.createTask(
                """
        {"name": "Draft", "status": "DRAFT", "steps": [{"id": "w", "action": "waitFor", "ms": 1}],
         "schedule": {"cron": "* * * * *"}}
        """)
            .id();
    assertThat(describe(draft).getSchedule().getState().isPaused()).isTrue();
    assertThatThrownBy(() -> api.unpauseSchedule(draft, null))
        .isInstanceOfSatisfying(
            KestrelApiException.class, e -> assertThat(e.status()).isEqualTo(409));
  }

  @Test
  void aBadScheduleIsRefusedNamingTheFieldAndMakesNoSchedule() {
    KestrelClient api = client();
    long before = api.listTasks(TaskQuery.all()).total();

    assertThatThrownBy(
            () ->
                api.createTask(
                    """
        {"name": "Bad", "steps": [{"id": "w", "action": "waitFor", "ms": 1}],
         "schedule": {"cron": "0 0 9 * * 1", "timezone": "Mars/Olympus", "overlap": "sometimes", "inputs": {"nope": 1}}}
        """))
        .isInstanceOfSatisfying(
            KestrelApiException.class,
            refused -> {
              assertThat(refused.status()).isEqualTo(400);
              assertThat(refused.detail().toString())
                  .contains("cron", "Mars/Olympus", "overlap", "nope");
            });
    assertThat(api.listTasks(TaskQuery.all()).total()).isEqualTo(before);
  }

  /**
   * Temporal's own calendar rules decide the firings across a DST change; asked of the server for a
   * nightly 02:30 in Berlin around the spring-forward night of 2027-03-28 (02:00 -> 03:00) and the
   * fall-back night of 2027-10-31 (03:00 -> 02:00).
   */
  @Test
  void aNightlyScheduleAcrossDaylightSavingChangesFollowsTemporalsCalendarRules() {
    KestrelClient api = client();
    String taskId =
        task(
            api,
            "Nightly in Berlin",
            "{\"cron\": \"30 2 * * *\", \"timezone\": \"Europe/Berlin\"}");

    List<Instant> spring = matching(taskId, "2027-03-26T12:00:00Z", "2027-03-30T12:00:00Z");
    List<Instant> autumn = matching(taskId, "2027-10-29T12:00:00Z", "2027-11-02T12:00:00Z");

    assertThat(spring)
        .as("02:30 does not exist on 2027-03-28: no firing that day")
        .containsExactly(
            Instant.parse("2027-03-27T01:30:00Z"),
            Instant.parse("2027-03-29T00:30:00Z"),
            Instant.parse("2027-03-30T00:30:00Z"));
    assertThat(autumn)
        .as("02:30 happens twice on 2027-10-31: one firing, at the second (CET)")
        .containsExactly(
            Instant.parse("2027-10-30T00:30:00Z"),
            Instant.parse("2027-10-31T01:30:00Z"),
            Instant.parse("2027-11-01T01:30:00Z"),
            Instant.parse("2027-11-02T01:30:00Z"));
  }

  private static List<Instant> matching(String taskId, String from, String to) {
    return SERVICE
        .blockingStub()
        .listScheduleMatchingTimes(
            ListScheduleMatchingTimesRequest.newBuilder()
                .setNamespace("default")
                .setScheduleId("task-" + taskId)
                .setStartTime(timestamp(from))
                .setEndTime(timestamp(to))
                .build())
        .getStartTimeList()
        .stream()
        .map(t -> Instant.ofEpochSecond(t.getSeconds(), t.getNanos()))
        .toList();
  }

  private static Timestamp timestamp(String iso) {
    Instant i = Instant.parse(iso);
    return Timestamp.newBuilder().setSeconds(i.getEpochSecond()).setNanos(i.getNano()).build();
  }
}
