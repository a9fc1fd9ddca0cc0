package dev.kestrel.server.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kestrel.activities.browser.BrowserPool;
import dev.kestrel.server.config.KestrelConfiguration;
import dev.kestrel.server.support.ApiClient;
import dev.kestrel.server.support.TestApps;
import dev.kestrel.testkit.TestPages;
import io.dropwizard.testing.junit5.DropwizardAppExtension;
import io.dropwizard.testing.junit5.DropwizardExtensionsSupport;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Acceptance 9: after many runs of every ending, no context is left open and no Chromium is left
 * over.
 */
@ExtendWith(DropwizardExtensionsSupport.class)
class BrowserCleanupIT {
  @RegisterExtension static final TestPages PAGES = new TestPages();
  static final DropwizardAppExtension<KestrelConfiguration> APP = TestApps.app();

  @Test
  void fiftyMixedRunsLeaveNoContextAndNoExtraChromium() {
    ApiClient api = TestApps.api(APP);
    BrowserPool pool = TestApps.installed(APP).workers().browserPool();
    String succeeds =
        TestApps.createTask(
            api,
            """
        {"name": "ok", "steps": [
          {"id": "open", "action": "goto", "url": "%s"},
          {"id": "fill", "action": "fill", "selector": "#order", "value": "1"},
          {"id": "read", "action": "extract", "selector": "#order", "attribute": "id", "output": "id"}]}
        """
                .formatted(PAGES.url("/order")));
    String fails =
        TestApps.createTask(
            api,
            """
        {"name": "fails", "steps": [
          {"id": "open", "action": "goto", "url": "%s"},
          {"id": "never", "action": "click", "selector": "#never", "timeoutMs": 300}]}
        """
                .formatted(PAGES.url("/plain")));
    String isCancelled =
        TestApps.createTask(
            api,
            """
        {"name": "cancelled", "timeoutSeconds": 900, "steps": [
          {"id": "open", "action": "goto", "url": "%s"},
          {"id": "wait", "action": "waitFor", "ms": 600000}]}
        """
                .formatted(PAGES.url("/plain")));
    // The baseline: both slots' browsers up and used once, then idle.
    List<String> warmUp =
        List.of(TestApps.queue(api, succeeds, "{}"), TestApps.queue(api, succeeds, "{}"));
    warmUp.forEach(id -> TestApps.awaitTerminal(api, id, Duration.ofSeconds(60)));
    await().atMost(Duration.ofSeconds(30)).until(() -> pool.openContexts() == 0);
    // Chromium's helper processes come and go for a moment after the contexts close: the baseline
    // is the count once two looks half a second apart agree.
    AtomicLong settled = new AtomicLong(-1);
    await()
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(500))
        .until(
            () -> {
              long now = chromiumProcesses();
              return settled.getAndSet(now) == now;
            });
    long baseline = settled.get();
    System.out.println("Chromium processes at baseline: " + describeChromium());

    Map<String, String> expected = new HashMap<>();
    List<String> toCancel = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      switch (i % 5) {
        case 0, 1, 2 -> expected.put(TestApps.queue(api, succeeds, "{}"), "COMPLETED");
        case 3 -> expected.put(TestApps.queue(api, fails, "{}"), "FAILED");
        default -> {
          String id = TestApps.queue(api, isCancelled, "{}");
          expected.put(id, "CANCELLED");
          toCancel.add(id);
        }
      }
    }
    // Half are cancelled at once (most still PENDING), half once they are in their long step.
    Set<String> cancelWhenRunning = new HashSet<>();
    for (int i = 0; i < toCancel.size(); i++) {
      if (i % 2 == 0) {
        cancelWhenRunning.add(toCancel.get(i));
      } else {
        cancel(api, toCancel.get(i));
      }
    }
    await()
        .atMost(Duration.ofSeconds(180))
        .pollInterval(Duration.ofMillis(200))
        .until(
            () -> {
              for (String id : List.copyOf(cancelWhenRunning)) {
                if (TestApps.run(api, id).at("/progress/currentStep").asInt() == 2) {
                  cancel(api, id);
                  cancelWhenRunning.remove(id);
                }
              }
              return cancelWhenRunning.isEmpty();
            });
    for (Map.Entry<String, String> run : expected.entrySet()) {
      JsonNode done = TestApps.awaitTerminal(api, run.getKey(), Duration.ofSeconds(180));
      assertThat(done.get("status").asText()).as(run.getKey()).isEqualTo(run.getValue());
    }

    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () -> {
              assertThat(pool.openSessions()).isZero();
              assertThat(pool.openContexts()).isZero();
              assertThat(chromiumProcesses())
                  .as(BrowserCleanupIT::describeChromium)
                  .isLessThanOrEqualTo(baseline);
            });
  }

  /**
   * Issue 28: a page whose script never gives the main thread back answers no script Kestrel runs
   * in it (keeping the step's state does: after "spin", by which time the page's loop runs for
   * sure; after "open" it may or may not); its step fails within its timeout and a grace, rather
   * than holding its slot until the run's timeout (300 s here), and its browser is stopped.
   */
  @Test
  void aPageThatNeverYieldsItsMainThreadFailsItsStepAndFreesItsSlot() {
    ApiClient api = TestApps.api(APP);
    String busy =
        TestApps.createTask(
            api,
            """
        {"name": "busy", "steps": [
          {"id": "open", "action": "goto", "url": "%s", "timeoutMs": 5000},
          {"id": "spin", "action": "waitFor", "ms": 1000, "timeoutMs": 1000},
          {"id": "after", "action": "waitFor", "ms": 100}]}
        """
                .formatted(PAGES.url("/busy")));
    JsonNode run =
        TestApps.awaitTerminal(api, TestApps.queue(api, busy, "{}"), Duration.ofSeconds(150));
    assertThat(run.get("status").asText()).isEqualTo("FAILED");
    assertThat(run.at("/error/code").asText()).isEqualTo("step_failed");
    assertThat(run.at("/error/message").asText()).contains("the page stopped answering");
  }

  private static void cancel(ApiClient api, String runId) {
    assertThat(
            api.post("/public/v1/task-runs/" + runId + "/cancel", "{\"reason\": \"cleanup test\"}")
                .status())
        .isEqualTo(202);
  }

  static String describeChromium() {
    StringBuilder out = new StringBuilder();
    ProcessHandle.current()
        .descendants()
        .filter(p -> p.info().command().map(c -> c.contains("chrom")).orElse(false))
        .forEach(
            p ->
                out.append("\n  ")
                    .append(p.pid())
                    .append(" ")
                    .append(
                        p.info()
                            .arguments()
                            .flatMap(
                                args ->
                                    java.util.Arrays.stream(args)
                                        .filter(a -> a.startsWith("--type="))
                                        .findFirst())
                            .orElse("browser")));
    return out.toString();
  }

  /** Chromium processes started by this JVM (through Playwright's driver). */
  static long chromiumProcesses() {
    return ProcessHandle.current()
        .descendants()
        .filter(p -> p.info().command().map(c -> c.contains("chrom")).orElse(false))
        .count();
  }
}
