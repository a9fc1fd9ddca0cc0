package dev.kestrel.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kestrel.model.FieldSpec;
import dev.kestrel.model.LogLevel;
import dev.kestrel.model.RunError;
import dev.kestrel.model.RunStatus;
import dev.kestrel.model.StepSpec;
import dev.kestrel.model.TaskDefinition;
import dev.kestrel.model.TriggerType;
import dev.kestrel.model.WaitingFor;
import dev.kestrel.model.WebhookEvent;
import dev.kestrel.model.api.LogEntry;
import dev.kestrel.store.db.ApiKeyDao;
import dev.kestrel.store.db.CheckpointDao;
import dev.kestrel.store.db.OrganizationDao;
import dev.kestrel.store.db.RunDao;
import dev.kestrel.store.db.RunLogDao;
import dev.kestrel.store.db.TaskDao;
import dev.kestrel.store.db.WebhookDao;
import dev.kestrel.store.records.ApiKey;
import dev.kestrel.store.records.DeliveryAttempt;
import dev.kestrel.store.records.Organization;
import dev.kestrel.store.records.RunRecord;
import dev.kestrel.store.records.TaskRecord;
import dev.kestrel.store.records.WebhookEndpointRecord;
import dev.kestrel.workflows.RunInput;
import dev.kestrel.workflows.RunState;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The store: tasks, keys, and the run index: idempotent inserts, terminal rows that never change,
 * bounded logs. The same contract runs on H2 and on PostgreSQL (see the subclasses), with the same
 * SQL.
 */
abstract class StoreContract {
  /** Runs of these tests produce no files: the webhook bodies list none. */
  static final ArtifactStore ARTIFACTS =
      new ArtifactStore(java.nio.file.Path.of("target", "no-artifacts"));

  static final InputLinks LINKS = new InputLinks(new Sealer(Map.of("k1", new byte[32])));

  TestStore store;
  RunDao runs;
  RunLogDao logs;
  JdbiRunRecorder recorder;
  Organization org;

  abstract TestStore newStore();

  @BeforeEach
  void setUp() {
    store = newStore();
    runs = new RunDao(store.jdbi, store.json);
    logs = new RunLogDao(store.jdbi, 5, 100);
    recorder =
        new JdbiRunRecorder(
            store.jdbi, runs, logs, new CheckpointDao(store.jdbi), new RunChanges());
    org = new OrganizationDao(store.jdbi).create("acme", null, null);
  }

  private RunInput input(String runId, String clientRequestId) {
    StepSpec step = StepSpec.waitFor("s", 1L);
    return new RunInput(
        runId,
        org.id(),
        "00000000-0000-0000-0000-000000000001",
        "t",
        1,
        clientRequestId,
        TriggerType.API,
        1_000L,
        Map.of("a", 1),
        List.of(step),
        60,
        RunInput.ExecutionSettings.defaults());
  }

  @Test
  void aCheckpointIsKeptSealedPerRunAndStepAndReplacedWhenItsStepRunsAgain() {
    String id = UUID.randomUUID().toString();
    runs.insert(input(id, null), false);
    Checkpoints checkpoints =
        new Checkpoints(
            new CheckpointDao(store.jdbi), new Sealer(Map.of("k1", new byte[32])), 1 << 20);
    byte[] state =
        "{\"cookies\": [{\"name\": \"sid\", \"value\": \"s3cret\"}]}"
            .getBytes(java.nio.charset.StandardCharsets.UTF_8);

    String digest = checkpoints.keep(id, 2, state);
    byte[] stored = new CheckpointDao(store.jdbi).find(id, 2, digest).orElseThrow();
    String again = checkpoints.keep(id, 2, state);

    assertThat(new String(stored, java.nio.charset.StandardCharsets.ISO_8859_1))
        .doesNotContain("s3cret");
    assertThat(checkpoints.restore(id, 2, again)).isEqualTo(state);
    assertThat(again).as("a fresh seal").isNotEqualTo(digest);
    assertThatThrownBy(() -> checkpoints.restore(id, 2, digest))
        .as("the replaced one is gone")
        .isInstanceOf(Checkpoints.CheckpointUnavailable.class);
    assertThat(checkpoints.keep(UUID.randomUUID().toString(), 1, state))
        .as("no run, no checkpoint")
        .isNull();
  }

  /** A step that ends before its first flush: its progress, lines and state in one write. */
  @Test
  void aQuickStepsProgressLinesAndCheckpointAreWrittenTogether() {
    String id = UUID.randomUUID().toString();
    runs.insert(input(id, null), true);
    Checkpoints checkpoints =
        new Checkpoints(
            new CheckpointDao(store.jdbi), new Sealer(Map.of("k1", new byte[32])), 1 << 20);
    byte[] state = "{\"cookies\": []}".getBytes(java.nio.charset.StandardCharsets.UTF_8);
    Checkpoints.Sealed sealed = checkpoints.seal(id, 2, state);

    boolean kept =
        recorder.stepEnds(
            id,
            new RunState(RunStatus.RUNNING, 2, 3, 2_000L, null, Map.of(), null, 1, "w"),
            List.of(
                new LogLine(LogLevel.INFO, "Step 2/3 fill #q", "q"),
                new LogLine(LogLevel.INFO, "Step 2/3 fill #q done in 4 ms", "q")),
            sealed);
    boolean notAgain = recorder.stepEnds(id, null, List.of(), null);

    assertThat(kept).isTrue();
    assertThat(notAgain).isFalse();
    RunRecord row = runs.find(org.id(), id).orElseThrow();
    assertThat(row.status()).isEqualTo(RunStatus.RUNNING);
    assertThat(row.currentStep()).isEqualTo(2);
    assertThat(logs.list(id, null))
        .extracting(LogEntry::message)
        .containsExactly("Step 2/3 fill #q", "Step 2/3 fill #q done in 4 ms");
    assertThat(checkpoints.restore(id, 2, sealed.digest())).isEqualTo(state);
  }

  @Test
  void aRunIsInsertedOncePerIdAndPerIdempotencyKey() {
    String id = UUID.randomUUID().toString();
    assertThat(runs.insert(input(id, "key"), false)).isTrue();
    assertThat(runs.insert(input(id, "key"), false)).isFalse();
    assertThat(runs.insert(input(UUID.randomUUID().toString(), "key"), false)).isFalse();
    assertThat(runs.insert(input(UUID.randomUUID().toString(), null), false)).isTrue();
    assertThat(runs.insert(input(UUID.randomUUID().toString(), null), false)).isTrue();

    RunRecord row = runs.find(org.id(), id).orElseThrow();
    assertThat(row.status()).isEqualTo(RunStatus.PENDING);
    assertThat(row.workflowStarted()).isFalse();
    assertThat(runs.workflowInput(id).runId()).isEqualTo(id);
    assertThat(runs.unstarted(2_000L, 10)).extracting(RunInput::runId).contains(id);
    assertThat(runs.find("another-org", id)).isEmpty();
  }

  @Test
  void theWorkflowsUpsertRepairsAMissingRowAndMarksItStarted() {
    String id = UUID.randomUUID().toString();
    recorder.recordAccepted(input(id, null));
    assertThat(runs.find(org.id(), id).orElseThrow().workflowStarted()).isTrue();

    String other = UUID.randomUUID().toString();
    runs.insert(input(other, null), false);
    recorder.recordAccepted(input(other, null));
    assertThat(runs.find(org.id(), other).orElseThrow().workflowStarted()).isTrue();
    assertThat(runs.unstarted(Long.MAX_VALUE, 10)).isEmpty();
  }

  @Test
  void unfinishedRunsAreListedWithTheirWorkflowInputWhichEndedOnesKeepForARetry() {
    String running = UUID.randomUUID().toString();
    String done = UUID.randomUUID().toString();
    String failed = UUID.randomUUID().toString();
    String unstarted = UUID.randomUUID().toString();
    for (String id : List.of(running, done, failed)) {
      runs.insert(input(id, null), false);
      runs.markStarted(id);
    }
    runs.insert(input(unstarted, null), false);
    recorder.recordState(
        running, new RunState(RunStatus.RUNNING, 1, 1, 2_000L, null, Map.of(), null, 1, "w"));
    recorder.recordState(
        done, new RunState(RunStatus.COMPLETED, 1, 1, 2_000L, 3_000L, Map.of(), null, 1, "w"));
    assertThat(runs.fail(failed, new RunError("lost", "gone", null), 5_000L)).isTrue();
    assertThat(runs.fail(failed, new RunError("lost", "again", null), 6_000L))
        .as("a terminal row stays")
        .isFalse();

    List<RunDao.Unfinished> unfinished = runs.unfinished(0, 10);
    assertThat(unfinished).extracting(RunDao.Unfinished::runId).containsExactly(running);
    assertThat(unfinished.get(0).input().steps()).hasSize(1);
    assertThat(runs.unfinished(unfinished.get(0).seq(), 10)).isEmpty();
    assertThat(runs.workflowInput(done))
        .as("kept after the end: a retry runs the same task version")
        .isNotNull();
    RunRecord lost = runs.find(org.id(), failed).orElseThrow();
    assertThat(lost.status()).isEqualTo(RunStatus.FAILED);
    assertThat(lost.error().message()).isEqualTo("gone");
    assertThat(lost.finishedAt()).isEqualTo(5_000L);
  }

  /** Runs {@code attempts} calls at once, on as many threads, and returns their results. */
  private static <T> List<T> concurrently(int attempts, java.util.function.IntFunction<T> call)
      throws Exception {
    var pool = java.util.concurrent.Executors.newFixedThreadPool(attempts);
    try {
      var start = new java.util.concurrent.CountDownLatch(1);
      List<java.util.concurrent.Future<T>> futures = new java.util.ArrayList<>();
      for (int i = 0; i < attempts; i++) {
        int n = i;
        futures.add(
            pool.submit(
                () -> {
                  start.await();
                  return call.apply(n);
                }));
      }
      start.countDown();
      List<T> results = new java.util.ArrayList<>();
      for (var f : futures) {
        results.add(f.get(60, java.util.concurrent.TimeUnit.SECONDS));
      }
      return results;
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void twentyConcurrentRunsUnderAMonthlyLimitOfThreeGiveExactlyThree() throws Exception {
    List<RunDao.Admission> admissions =
        concurrently(
            20,
            i -> runs.insertWithinLimit(input(UUID.randomUUID().toString(), "c" + i), 3, 0, 1_000));

    assertThat(admissions)
        .filteredOn(a -> a.outcome() == RunDao.Admission.Outcome.INSERTED)
        .hasSize(3);
    assertThat(admissions)
        .filteredOn(a -> a.outcome() == RunDao.Admission.Outcome.OVER_LIMIT)
        .hasSize(17)
        .allMatch(a -> a.used() == 3);
    assertThat(runs.page(org.id(), null, null, null, 50)).hasSize(3);
    RunRecord accepted = runs.page(org.id(), null, null, null, 1).get(0);
    assertThat(
            runs.insertWithinLimit(
                    input(UUID.randomUUID().toString(), accepted.clientRequestId()), 100, 0, 1_000)
                .outcome())
        .as("a repeat of an accepted request (its key)")
        .isEqualTo(RunDao.Admission.Outcome.EXISTS);
    assertThat(
            runs.insertWithinLimit(input(accepted.id(), accepted.clientRequestId()), 3, 0, 1_000)
                .outcome())
        .as("the same run at the limit is a repeat, not a refusal")
        .isEqualTo(RunDao.Admission.Outcome.EXISTS);
  }

  @Test
  void twentyConcurrentEndpointsUnderALimitOfFiveGiveExactlyFive() throws Exception {
    WebhookDao webhooks = new WebhookDao(store.jdbi, store.json);
    List<Boolean> created =
        concurrently(
            20,
            i ->
                webhooks.insertEndpointWithinLimit(
                    new WebhookEndpointRecord(
                        UUID.randomUUID().toString(),
                        org.id(),
                        "http://127.0.0.1:9/h" + i,
                        List.of(),
                        null,
                        "wh_a_b",
                        i),
                    5));

    assertThat(created).filteredOn(Boolean::booleanValue).hasSize(5);
    assertThat(webhooks.endpoints(org.id())).hasSize(5);
  }

  @Test
  void aTerminalRowNeverChangesAgain() {
    String id = UUID.randomUUID().toString();
    runs.insert(input(id, null), true);
    recorder.recordState(
        id, new RunState(RunStatus.RUNNING, 1, 1, 2_000L, null, Map.of(), null, 1, "w"));
    runs.setCancelReason(id, "first");
    runs.setCancelReason(id, "second");
    recorder.recordState(
        id, new RunState(RunStatus.CANCELLED, 1, 1, 2_000L, 3_000L, Map.of(), null, 1, "w"));
    recorder.recordState(
        id, new RunState(RunStatus.COMPLETED, 1, 1, 2_000L, 4_000L, Map.of("x", 1), null, 1, "w"));
    runs.setCancelReason(id, "third");

    RunRecord row = runs.find(org.id(), id).orElseThrow();
    assertThat(row.status()).isEqualTo(RunStatus.CANCELLED);
    assertThat(row.finishedAt()).isEqualTo(3_000L);
    assertThat(row.cancelReason()).isEqualTo("first");
    assertThat(row.outputs()).isEmpty();
  }

  @Test
  void aFailedRunKeepsItsError() {
    String id = UUID.randomUUID().toString();
    runs.insert(input(id, null), true);
    RunError error = new RunError("step_failed", "boom", "s");
    recorder.recordState(
        id, new RunState(RunStatus.FAILED, 1, 1, 2_000L, 3_000L, Map.of(), error, 1, "w"));

    assertThat(runs.find(org.id(), id).orElseThrow().error()).isEqualTo(error);
  }

  @Test
  void logsKeepTheOldestEntriesAndSayHowManyWereDropped() {
    String id = UUID.randomUUID().toString();
    runs.insert(input(id, null), true);
    for (int i = 0; i < 8; i++) {
      recorder.log(id, LogLevel.INFO, "entry " + i + " " + "x".repeat(200), "s");
    }
    recorder.recordState(
        id, new RunState(RunStatus.COMPLETED, 1, 1, 2_000L, 3_000L, Map.of(), null, 1, "w"));

    List<LogEntry> entries = logs.list(id, null);
    assertThat(entries).hasSize(6);
    assertThat(entries.subList(0, 5))
        .extracting(LogEntry::message)
        .allMatch(m -> m.length() == 100);
    assertThat(entries.get(0).message()).startsWith("entry 0");
    assertThat(entries.get(4).message()).startsWith("entry 4");
    assertThat(entries.get(5).message())
        .isEqualTo("3 later log entries were dropped: a run keeps at most 5");
    assertThat(logs.list(id, entries.get(3).id())).hasSize(2);
  }

  @Test
  void aBatchOfEntriesIsWrittenInOrderAndCountedAgainstTheSameBound() {
    String id = UUID.randomUUID().toString();
    runs.insert(input(id, null), true);
    recorder.log(id, LogLevel.INFO, "first", null);
    recorder.log(
        id,
        List.of(
            new LogLine(LogLevel.WARNING, "console 1", "s"),
            new LogLine(LogLevel.INFO, "console 2", "s"),
            new LogLine(LogLevel.INFO, "done", "s")));
    recorder.log(
        id,
        List.of(
            new LogLine(LogLevel.INFO, "fits", null), new LogLine(LogLevel.INFO, "dropped", null)));
    recorder.log(
        UUID.randomUUID().toString(), List.of(new LogLine(LogLevel.INFO, "no such run", null)));
    recorder.recordEnd(
        id,
        new RunState(RunStatus.COMPLETED, 1, 1, 2_000L, 3_000L, Map.of(), null, 1, "w"),
        LogLevel.INFO,
        "Run completed",
        null);

    assertThat(logs.list(id, null))
        .extracting(LogEntry::message)
        .containsExactly(
            "first",
            "console 1",
            "console 2",
            "done",
            "fits",
            "2 later log entries were dropped: a run keeps at most 5");
    assertThat(logs.list(id, null).get(1).level()).isEqualTo(LogLevel.WARNING);
  }

  @Test
  void tasksAreVersionedSearchedLiterallyAndDeletedSoftly() {
    TaskDao tasks = new TaskDao(store.jdbi, store.json);
    StepSpec step = StepSpec.waitFor("s", 1L);
    for (String name : List.of("Invoice 100% export", "invoice_import", "Invoices")) {
      tasks.insert(
          new TaskRecord(
              UUID.randomUUID().toString(),
              org.id(),
              new TaskDefinition(name, null, Map.of(), List.of(step), 60, null, null),
              "READY",
              1,
              1L,
              1L));
    }
    assertThat(tasks.list(org.id(), 10, 0, "INVOICE", null).total()).isEqualTo(3);
    assertThat(tasks.list(org.id(), 10, 0, "100%", null).total()).isEqualTo(1);
    assertThat(tasks.list(org.id(), 10, 0, "e_i", null).total()).isEqualTo(1);
    assertThat(tasks.list(org.id(), 1, 1, null, "READY").tasks()).hasSize(1);

    TaskRecord first = tasks.list(org.id(), 1, 0, "Invoices", null).tasks().get(0);
    TaskRecord updated =
        tasks
            .update(
                org.id(),
                first.id(),
                new TaskDefinition(
                    "Invoices v2", null, Map.of(), List.of(step, step), 60, null, null),
                "DRAFT")
            .orElseThrow();
    assertThat(updated.version()).isEqualTo(2);
    assertThat(updated.definition().steps()).hasSize(2);
    assertThat(tasks.delete(org.id(), first.id())).isTrue();
    assertThat(tasks.find(org.id(), first.id())).isEmpty();
    assertThat(tasks.delete(org.id(), first.id())).isFalse();
  }

  @Test
  void keysAreFoundByHashOnlyWhileActive() {
    ApiKeyDao keys = new ApiKeyDao(store.jdbi);
    String secret = Secrets.newApiKey();
    String hash = ApiKeys.hash(secret);
    ApiKey key = keys.insert(org.id(), hash, ApiKeys.displayPrefix(secret), "ci");

    assertThat(keys.findActiveOwner(hash)).map(o -> o.organization().id()).contains(org.id());
    assertThat(keys.organizationOfHash(hash)).contains(org.id());
    assertThat(keys.revoke(key.id())).isTrue();
    assertThat(keys.revoke(key.id())).isFalse();
    assertThat(keys.findActiveOwner(hash)).isEmpty();
    assertThat(keys.organizationOfHash(hash))
        .as("a revoked key still names its organization")
        .contains(org.id());
    assertThat(keys.list(org.id()))
        .singleElement()
        .satisfies(k -> assertThat(k.revokedAt()).isNotNull());
  }

  @Test
  void anOrganizationsOwnLimitsAreReadWithItsKeyAndCleared() {
    OrganizationDao organizations = new OrganizationDao(store.jdbi);
    ApiKeyDao keys = new ApiKeyDao(store.jdbi);
    String hash = ApiKeys.hash(Secrets.newApiKey());
    keys.insert(org.id(), hash, "sk_live_x", "ci");

    organizations.setLimits(
        org.id(), 1000, new dev.kestrel.store.records.Organization.FairShare(3, 20, null));

    var owner = keys.findActiveOwner(hash).orElseThrow().organization();
    assertThat(owner.monthlyRunLimit()).isEqualTo(1000);
    assertThat(owner.fairShare().maxActiveRuns(500)).isEqualTo(3);
    assertThat(owner.fairShare().requestsPerSecond(100)).isEqualTo(20);
    assertThat(owner.fairShare().maxWaitingRequests(100))
        .as("not set: the server's default")
        .isEqualTo(100);
    organizations.setLimits(
        org.id(), null, dev.kestrel.store.records.Organization.FairShare.DEFAULTS);
    assertThat(organizations.findById(org.id()).orElseThrow().fairShare())
        .isEqualTo(dev.kestrel.store.records.Organization.FairShare.DEFAULTS);
  }

  @Test
  void anOrganizationsActiveRunsAreCappedAtomically() throws Exception {
    List<RunDao.Admission> admissions =
        concurrently(
            12,
            i -> runs.insertWithinLimit(input(UUID.randomUUID().toString(), "a" + i), null, 0, 4));
    assertThat(admissions)
        .filteredOn(a -> a.outcome() == RunDao.Admission.Outcome.INSERTED)
        .hasSize(4);
    assertThat(admissions)
        .filteredOn(a -> a.outcome() == RunDao.Admission.Outcome.TOO_MANY_ACTIVE)
        .hasSize(8);
  }

  @Test
  void theTasksRunsAreListedNewestFirstEvenWithinOneMillisecond() {
    for (int i = 0; i < 3; i++) {
      runs.insert(input(UUID.randomUUID().toString(), "k" + i), true);
    }
    List<RunRecord> latest = runs.latestOfTask(org.id(), "00000000-0000-0000-0000-000000000001", 2);
    assertThat(latest).extracting(RunRecord::clientRequestId).containsExactly("k2", "k1");
  }

  @Test
  void aWaitingRunShowsWhatItWaitsForWithASignedLinkUntilItsStateMovesOn() {
    String runId = UUID.randomUUID().toString();
    runs.insert(input(runId, null), true);
    WaitingFor waiting =
        new WaitingFor(
            "otp",
            "The code",
            Map.of("code", new FieldSpec("secret", null, null, "[0-9]{6}")),
            1_900_000_000_123L,
            2);
    RunState state =
        new RunState(RunStatus.RUNNING, 2, 3, 1L, null, Map.of(), null, 1, "w", waiting);
    assertThat(runs.updateState(runId, state)).isTrue();

    RunRecord row = runs.findById(runId).orElseThrow();
    assertThat(row.waitingFor()).isEqualTo(waiting);
    var shown = Representations.run(row, "http://kestrel.test/", ARTIFACTS, LINKS).waitingFor();
    assertThat(shown.stepId()).isEqualTo("otp");
    assertThat(shown.fields().get("code").isSecret()).isTrue();
    assertThat(shown.expiresAt()).isEqualTo("2030-03-17T17:46:40.123Z");
    assertThat(shown.inputUrl())
        .startsWith("http://kestrel.test/input/" + runId + "/2.1900000000.");
    String token = shown.inputUrl().substring(shown.inputUrl().lastIndexOf('/') + 1);
    assertThat(LINKS.verify(runId, token)).hasValue(new InputLinks.Link(2, 1_900_000_000_000L));
    assertThat(LINKS.verify(UUID.randomUUID().toString(), token))
        .as("another run's link")
        .isEmpty();
    assertThat(LINKS.verify(runId, token.replace("2.19", "3.19"))).as("altered").isEmpty();

    runs.updateState(
        runId, new RunState(RunStatus.RUNNING, 3, 3, 1L, null, Map.of(), null, 1, "w"));
    assertThat(runs.findById(runId).orElseThrow().waitingFor()).isNull();
  }

  @Test
  void webhookEndpointsDeliveriesAndAttempts() {
    WebhookDao webhooks = new WebhookDao(store.jdbi, store.json);
    JdbiWebhookStore hooks =
        new JdbiWebhookStore(
            runs,
            logs,
            webhooks,
            new OrganizationDao(store.jdbi),
            store.json,
            null,
            ARTIFACTS,
            LINKS);
    String task = "00000000-0000-0000-0000-000000000001";
    WebhookEndpointRecord all = endpoint(webhooks, List.of(), null, 1);
    WebhookEndpointRecord scoped = endpoint(webhooks, List.of(WebhookEvent.COMPLETED), task, 2);
    endpoint(webhooks, List.of(), "00000000-0000-0000-0000-000000000002", 3);

    assertThat(webhooks.endpoints(org.id()))
        .hasSize(3)
        .first()
        .extracting(WebhookEndpointRecord::createdAt)
        .isEqualTo(3L);
    assertThat(webhooks.endpointsFor(org.id(), task))
        .extracting(WebhookEndpointRecord::id)
        .containsExactly(all.id(), scoped.id());
    assertThat(webhooks.endpoints("another-org")).isEmpty();

    String runId = UUID.randomUUID().toString();
    runs.insert(input(runId, null), true);
    assertThat(hooks.subscriptionsOf(runId))
        .extracting(WebhookStore.Subscription::endpointId)
        .containsExactly(all.id(), scoped.id());
    assertThat(hooks.subscriptionsOf(runId).get(1).takes(WebhookEvent.STARTED)).isFalse();
    assertThat(hooks.subscriptionsOf(runId).get(0).takes(WebhookEvent.LOG)).isTrue();
    assertThat(hooks.subscriptionsOf(runId).get(0).takes(WebhookEvent.WAITING))
        .as("an endpoint of all events (a Komos client's) gets no extension event")
        .isFalse();
    assertThat(hooks.subscriptionsOf(UUID.randomUUID().toString())).isEmpty();
    assertThat(hooks.runBody(runId).orElseThrow())
        .contains("\"id\":\"" + runId + "\"", "\"status\":\"PENDING\"");
    String deliveryId = UUID.randomUUID().toString();
    hooks.recordDelivery(deliveryId, scoped.id(), runId, WebhookEvent.COMPLETED, "{\"first\":1}");
    hooks.recordDelivery(deliveryId, scoped.id(), runId, WebhookEvent.COMPLETED, "{\"second\":2}");
    var delivery = hooks.delivery(deliveryId).orElseThrow();
    assertThat(delivery.payload())
        .as("a repeated recording keeps the first")
        .isEqualTo("{\"first\":1}");
    assertThat(delivery.scopedTaskId()).isEqualTo(task);
    assertThat(delivery.pepper()).isNull();

    for (int attempt = 1; attempt <= 3; attempt++) {
      hooks.recordAttempt(
          new DeliveryAttempt(
              deliveryId,
              scoped.id(),
              attempt,
              attempt < 3 ? 500 : 200,
              attempt < 3 ? "HTTP 500" : null,
              attempt == 3,
              5,
              1_000L + attempt));
    }
    assertThat(webhooks.attempts(scoped.id(), runId, 10))
        .extracting(a -> a.attempt())
        .containsExactly(3, 2, 1);
    assertThat(webhooks.attempts(scoped.id(), null, 2))
        .hasSize(2)
        .first()
        .satisfies(
            a -> {
              assertThat(a.delivered()).isTrue();
              assertThat(a.statusCode()).isEqualTo(200);
              assertThat(a.event()).isEqualTo(WebhookEvent.COMPLETED);
            });
    assertThat(webhooks.attempts(scoped.id(), UUID.randomUUID().toString(), 10)).isEmpty();

    assertThat(webhooks.deleteEndpoint(org.id(), scoped.id())).isTrue();
    assertThat(webhooks.deleteEndpoint(org.id(), scoped.id())).isFalse();
    assertThat(hooks.delivery(deliveryId)).as("a deleted endpoint gets nothing more").isEmpty();
    assertThat(webhooks.findEndpoint(org.id(), scoped.id())).isEmpty();
  }

  @Test
  void logBatchesFollowTheLogInOrderWithoutGapsOrRepeats() {
    JdbiWebhookStore hooks =
        new JdbiWebhookStore(
            runs,
            logs,
            new WebhookDao(store.jdbi, store.json),
            new OrganizationDao(store.jdbi),
            store.json,
            null,
            ARTIFACTS,
            LINKS);
    String runId = UUID.randomUUID().toString();
    runs.insert(input(runId, null), true);
    for (int i = 1; i <= 5; i++) {
      logs.append(runId, LogLevel.INFO, "entry " + i, null);
    }
    var first = hooks.logsAfter(runId, 0, 2).orElseThrow();
    var second = hooks.logsAfter(runId, first.lastSeq(), 2).orElseThrow();
    var third = hooks.logsAfter(runId, second.lastSeq(), 2).orElseThrow();
    assertThat(first.more()).isTrue();
    assertThat(third.more()).isFalse();
    assertThat(first.body())
        .startsWith("{\"runId\":\"" + runId + "\",\"logEntries\":[")
        .contains("entry 1", "entry 2");
    assertThat(second.body()).contains("entry 3", "entry 4").doesNotContain("entry 2");
    assertThat(third.body()).contains("entry 5");
    assertThat(hooks.logsAfter(runId, third.lastSeq(), 2)).isEmpty();
  }

  private WebhookEndpointRecord endpoint(
      WebhookDao webhooks, List<WebhookEvent> events, String taskId, long createdAt) {
    WebhookEndpointRecord e =
        new WebhookEndpointRecord(
            UUID.randomUUID().toString(),
            org.id(),
            "http://127.0.0.1:9/hook",
            events,
            taskId,
            "wh_ab_cd",
            createdAt);
    webhooks.insertEndpoint(e);
    return e;
  }
}
