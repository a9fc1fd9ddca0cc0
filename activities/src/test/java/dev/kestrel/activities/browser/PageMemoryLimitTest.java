package dev.kestrel.activities.browser;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kestrel.model.TraceMode;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 28: a page that allocates without end took about 4 GB of the worker per slot (Chromium's
 * own JavaScript heap limit) before its renderer died. With {@code worker.pageHeapLimitMb} its
 * renderer dies at that limit, and the browser stays up for the next session.
 */
class PageMemoryLimitTest {
  static final String HOG =
      "<p>hog</p><script>const keep = []; setInterval(() => { for (let i = 0; i < 20; i++)"
          + " keep.push(new Array(1 << 20).fill(i)); }, 5);</script>";

  @TempDir Path artifactsDir;
  BrowserPool pool;

  @AfterEach
  void closePool() {
    if (pool != null) {
      pool.close();
    }
  }

  /** The resident memory of the slot's largest process (the page's renderer, here). */
  static long largestProcessBytes(BrowserSlot slot) {
    return slot.processes().stream()
        .mapToLong(p -> ProcessMemory.residentBytes(p.pid()))
        .max()
        .orElse(0);
  }

  @Test
  void aPageThatAllocatesWithoutEndDiesAtTheHeapLimitAndTheBrowserLivesOn() throws Exception {
    pool =
        BrowserRecyclingTest.onePool(
            BrowserRecyclingTest.settings(100, 0, 256), artifactsDir, new SimpleMeterRegistry());
    BrowserSlot slot = pool.tryAcquire(10_000);
    BrowserSession session =
        pool.open(slot, "run-1", TraceMode.OFF, 1, null).get(60, TimeUnit.SECONDS);
    CountDownLatch crashed = new CountDownLatch(1);
    slot.submit(
            () -> {
              session.page.onCrash(p -> crashed.countDown());
              return session.page.navigate(
                  "data:text/html,"
                      + URLEncoder.encode(HOG, StandardCharsets.UTF_8).replace("+", "%20"));
            })
        .get(30, TimeUnit.SECONDS);
    long peak = 0;
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
    while (crashed.getCount() > 0 && System.nanoTime() < deadline) {
      // The crash event is delivered on the slot thread, when it next talks to Playwright.
      slot.submit(() -> session.page.isClosed()).get(30, TimeUnit.SECONDS);
      peak = Math.max(peak, largestProcessBytes(slot));
      crashed.await(200, TimeUnit.MILLISECONDS);
    }
    assertThat(crashed.getCount()).as("the page's renderer died").isZero();
    // The limit is the heap's; the renderer's code and buffers come on top. Without it the renderer
    // grew to about 4 GB.
    assertThat(peak >> 20).as("MB the largest of the browser's processes held").isLessThan(800);
    assertThat(slot.isHealthy()).isTrue();
    pool.close(session.id());
  }
}
