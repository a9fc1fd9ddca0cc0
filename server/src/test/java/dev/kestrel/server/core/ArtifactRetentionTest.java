package dev.kestrel.server.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kestrel.model.RunStatus;
import dev.kestrel.model.StepSpec;
import dev.kestrel.model.TriggerType;
import dev.kestrel.store.ArtifactStore;
import dev.kestrel.store.Checkpoints;
import dev.kestrel.store.Sealer;
import dev.kestrel.store.Store;
import dev.kestrel.store.TestStore;
import dev.kestrel.store.records.Organization;
import dev.kestrel.workflows.RunInput;
import dev.kestrel.workflows.RunState;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The retention sweep deletes the files of runs that ended long enough ago, and never a live run's.
 */
class ArtifactRetentionTest {
  static final long DAY = Duration.ofDays(1).toMillis();

  @TempDir Path artifactsDir;

  @Test
  void filesOfRunsEndedBeforeTheRetentionGoAndLiveOnesStay() throws Exception {
    Store store = TestStore.h2().open();
    Organization org = store.organizations().create("kept", null, null);
    ArtifactStore artifacts = new ArtifactStore(artifactsDir);
    long now = System.currentTimeMillis();
    String oldEnded = run(store, org, RunStatus.FAILED, now - 40 * DAY);
    String recentEnded = run(store, org, RunStatus.COMPLETED, now - 2 * DAY);
    String running = run(store, org, RunStatus.RUNNING, null);
    String unknown = UUID.randomUUID().toString();
    for (String runId : List.of(oldEnded, recentEnded, running, unknown)) {
      artifacts.save(runId, "trace-1.zip", "zip".getBytes(StandardCharsets.UTF_8));
    }
    // A folder no run owns, untouched for 40 days.
    artifactsDir.resolve(unknown).toFile().setLastModified(now - 40 * DAY);

    Checkpoints checkpoints = store.checkpoints(new Sealer(Map.of("k", new byte[32])), 1 << 20);
    String oldDigest = checkpoints.keep(oldEnded, 1, "{}".getBytes(StandardCharsets.UTF_8));
    String runningDigest = checkpoints.keep(running, 1, "{}".getBytes(StandardCharsets.UTF_8));
    ArtifactRetention retention =
        new ArtifactRetention(
            artifacts,
            store.runs(),
            store.checkpointRows(),
            store.uploadFileRows(),
            Duration.ofDays(30),
            Duration.ofHours(1));

    assertThat(retention.sweep(now)).isEqualTo(2);
    assertThat(store.checkpointRows().find(oldEnded, 1, oldDigest))
        .as("checkpoints go with the files")
        .isEmpty();
    assertThat(store.checkpointRows().find(running, 1, runningDigest)).isPresent();
    assertThat(Files.exists(artifactsDir.resolve(oldEnded))).isFalse();
    assertThat(Files.exists(artifactsDir.resolve(unknown))).isFalse();
    assertThat(artifacts.list(recentEnded))
        .extracting(ArtifactStore.Stored::name)
        .containsExactly("trace-1.zip");
    assertThat(artifacts.list(running))
        .extracting(ArtifactStore.Stored::name)
        .containsExactly("trace-1.zip");

    // A year on: the run ended two days ago goes; one still RUNNING keeps its files, however old.
    assertThat(retention.sweep(now + 365 * DAY)).isEqualTo(1);
    assertThat(Files.exists(artifactsDir.resolve(recentEnded))).isFalse();
    assertThat(artifacts.list(running))
        .extracting(ArtifactStore.Stored::name)
        .containsExactly("trace-1.zip");
  }

  private static String run(Store store, Organization org, RunStatus status, Long finishedAt) {
    String id = UUID.randomUUID().toString();
    StepSpec step = StepSpec.waitFor("w", 1L);
    store
        .runs()
        .insert(
            new RunInput(
                id,
                org.id(),
                UUID.randomUUID().toString(),
                "Kept",
                1,
                null,
                TriggerType.API,
                System.currentTimeMillis(),
                Map.of(),
                List.of(step),
                60,
                RunInput.ExecutionSettings.defaults()),
            true);
    Long started = finishedAt == null ? System.currentTimeMillis() : finishedAt - 1000;
    store
        .runs()
        .updateState(id, new RunState(status, 1, 1, started, finishedAt, Map.of(), null, 1, "w-1"));
    return id;
  }
}
