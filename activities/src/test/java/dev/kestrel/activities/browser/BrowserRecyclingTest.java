package dev.kestrel.activities.browser;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kestrel.activities.egress.EgressPolicy;
import dev.kestrel.model.TraceMode;
import dev.kestrel.store.ArtifactStore;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A slot's Chromium is relaunched between two sessions once it served its share of them, or once
 * its processes hold more memory than the cap (issue 28: a browser that serves sessions for hours
 * keeps what they leave behind). The old browser's processes are all gone, and the next session
 * opens on a fresh one.
 */
class BrowserRecyclingTest {
  @TempDir Path artifactsDir;
  final SimpleMeterRegistry meters = new SimpleMeterRegistry();
  BrowserPool pool;

  /** The browser's processes as the last session left them, before it closed. */
  List<ProcessHandle> lastTree;

  @AfterEach
  void closePool() {
    if (pool != null) {
      pool.close();
    }
  }

  BrowserPool pool(int afterSessions, long aboveBytes) {
    pool = onePool(settings(afterSessions, aboveBytes, 0), artifactsDir, meters);
    return pool;
  }

  /**
   * One slot on the machine's Chromium, every page allowed, with these recycling and heap limits.
   */
  static BrowserSettings settings(int afterSessions, long aboveBytes, int pageHeapLimitMb) {
    return new BrowserSettings(
        System.getProperty("kestrel.chromium", "/usr/bin/chromium"),
        1,
        true,
        List.of(),
        new EgressPolicy(true, true),
        Duration.ofSeconds(5),
        Duration.ofSeconds(5),
        Duration.ofMinutes(5),
        100L * 1024 * 1024,
        afterSessions,
        aboveBytes,
        pageHeapLimitMb);
  }

  static BrowserPool onePool(
      BrowserSettings settings,
      Path artifactsDir,
      io.micrometer.core.instrument.MeterRegistry meters) {
    return new BrowserPool(
        "recycling-test",
        settings,
        runId -> false,
        (runIds, now) -> java.util.Set.of(),
        new ArtifactStore(artifactsDir),
        meters);
  }

  /** Opens a session on the only slot, loads a page, closes it; returns the browser's pid. */
  long oneSession(String runId) throws Exception {
    BrowserSlot slot = pool.tryAcquire(10_000);
    BrowserSession session =
        pool.open(slot, runId, TraceMode.OFF, 1, null).get(60, TimeUnit.SECONDS);
    slot.submit(() -> session.page.navigate("data:text/html,<p>hello</p>"))
        .get(30, TimeUnit.SECONDS);
    lastTree = slot.processes();
    long browser = lastTree.get(0).pid();
    pool.close(session.id());
    return browser;
  }

  double recycled(String reason) {
    var counter = meters.find("kestrel.browser.recycles").tag("reason", reason).counter();
    return counter == null ? 0 : counter.count();
  }

  @Test
  void aBrowserIsRelaunchedAfterItsSessionsAndLeavesNoProcessBehind() throws Exception {
    pool(2, 0);
    long first = oneSession("run-1");
    assertThat(oneSession("run-2")).isEqualTo(first);
    List<ProcessHandle> firstTree = lastTree;
    // The second session was its last: the browser and every process under it are gone.
    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> firstTree.stream().noneMatch(ProcessHandle::isAlive));
    assertThat(recycled("sessions")).isEqualTo(1);
    long second = oneSession("run-3");
    assertThat(second).isNotEqualTo(first);
    assertThat(recycled("memory")).isZero();
    // A relaunch on purpose is no crash.
    assertThat(meters.find("kestrel.browser.restarts").counter().count()).isZero();
  }

  @Test
  void aBrowserAboveTheMemoryCapIsRelaunchedAfterTheSessionThatGrewIt() throws Exception {
    pool(100, 1);
    long first = oneSession("run-1");
    assertThat(recycled("memory")).isEqualTo(1);
    assertThat(oneSession("run-2")).isNotEqualTo(first);
    assertThat(ProcessHandle.of(first).map(ProcessHandle::isAlive).orElse(false)).isFalse();
  }
}
