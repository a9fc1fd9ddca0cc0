package dev.kestrel.server.security;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kestrel.engine.TemporalSettings;
import dev.kestrel.server.config.KestrelConfiguration;
import dev.kestrel.server.core.Organizations;
import dev.kestrel.server.support.ApiClient;
import dev.kestrel.server.support.TestApps;
import dev.kestrel.testkit.TemporalDevServer;
import io.dropwizard.testing.junit5.DropwizardAppExtension;
import io.dropwizard.testing.junit5.DropwizardExtensionsSupport;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Browser slots are shared in turn between organizations: with one slot and 1,500 runs of one
 * organization queued, another organization's run waits for the slot's current run and the one
 * already handed to the worker, not for the backlog. On a real Temporal server (the dev server,
 * with task-queue fairness on, as the LOCAL engine runs it); the in-memory one has no fairness.
 */
@ExtendWith(DropwizardExtensionsSupport.class)
class FairSlotsIT {
  static final int BACKLOG = 400;
  static final TemporalDevServer TEMPORAL = startTemporal();
  static final DropwizardAppExtension<KestrelConfiguration> APP =
      TestApps.app(
          config -> {
            config.temporal().mode(TemporalSettings.Mode.EXTERNAL).target(TEMPORAL.target());
            config.worker().browserSlots(1);
          });

  static TemporalDevServer startTemporal() {
    try {
      return new TemporalDevServer(Files.createTempDirectory("kestrel-fair-"), false).start();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @AfterAll
  static void stopTemporal() {
    TEMPORAL.close();
  }

  @Test
  void aBacklogOfOneOrganizationDoesNotStandBeforeAnothersRun() throws Exception {
    Organizations organizations = TestApps.installed(APP).organizations();
    organizations.create("busy", null, null);
    organizations.create("patient", null, null);
    ApiClient busy =
        TestApps.api(APP).withKey(organizations.issueKey("busy", "fair slots").secret());
    ApiClient patient =
        TestApps.api(APP).withKey(organizations.issueKey("patient", "fair slots").secret());
    String step =
        "{\"name\": \"Short\", \"steps\": [{\"id\": \"w\", \"action\": \"waitFor\", \"ms\": 300}]}";
    String busyTask = TestApps.createTask(busy, step);
    String patientTask = TestApps.createTask(patient, step);

    ExecutorService pool = Executors.newFixedThreadPool(8);
    List<Future<String>> queued = new ArrayList<>();
    try {
      for (int i = 0; i < BACKLOG; i++) {
        queued.add(pool.submit(() -> TestApps.queue(busy, busyTask, "{}")));
      }
      for (Future<String> f : queued) {
        f.get(5, TimeUnit.MINUTES);
      }
    } finally {
      pool.shutdownNow();
    }

    Instant patientQueued = Instant.now();
    String patientRun = TestApps.queue(patient, patientTask, "{}");
    JsonNode run = TestApps.awaitTerminal(patient, patientRun, Duration.ofMinutes(3));
    assertThat(run.get("status").asText()).isEqualTo("COMPLETED");
    Instant patientStarted = Instant.parse(run.at("/timestamps/startedAt").asText());

    // The busy runs that began between the patient run's queueing and its start: the slot's
    // current run and the one the worker already held, give or take one for the clock's edges.
    JsonNode recent = busy.get("/public/v1/task-runs?limit=100").json().get("runs");
    long startedMeanwhile = 0;
    long startedAtAll = 0;
    for (JsonNode r : recent) {
      if (r.at("/timestamps/startedAt").isTextual()) {
        startedAtAll++;
        Instant started = Instant.parse(r.at("/timestamps/startedAt").asText());
        if (started.isAfter(patientQueued) && started.isBefore(patientStarted)) {
          startedMeanwhile++;
        }
      }
    }
    assertThat(startedMeanwhile)
        .as(
            "busy runs started while the patient run waited: "
                + startedMeanwhile
                + " of "
                + startedAtAll)
        .isLessThanOrEqualTo(3);
    assertThat(busy.get("/public/v1/task-runs?status=PENDING&limit=100").json().get("runs"))
        .as("most of the backlog still waits")
        .hasSizeGreaterThan(50);
    assertThat(startedAtAll).isLessThanOrEqualTo(100);
  }
}
