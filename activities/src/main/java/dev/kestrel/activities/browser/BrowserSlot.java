package dev.kestrel.activities.browser;

import com.microsoft.playwright.Browser;
import com.microsoft.playwright.BrowserType;
import com.microsoft.playwright.Playwright;
import com.microsoft.playwright.PlaywrightException;
import com.microsoft.playwright.options.Proxy;
import dev.kestrel.activities.egress.EgressProxy;
import io.micrometer.core.instrument.Counter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One browser and the one thread allowed to touch it. Playwright objects are thread-confined, so
 * every call on this slot's Playwright, Browser, contexts and pages goes through {@link #submit}. A
 * slot holds one run's session at a time.
 *
 * <p>Its Chromium reaches the network only through the worker's egress proxy, on a port of the
 * slot's own, so that what the proxy refuses is told to the session the slot holds.
 */
public final class BrowserSlot implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(BrowserSlot.class);

  private final int index;
  private final BrowserSettings settings;
  private final ExecutorService thread;

  /** Passed to Chromium so that this slot's processes can be found and killed if need be. */
  private final String marker = "--kestrel-slot=" + UUID.randomUUID();

  private final int proxyPort;
  private final EgressProxy proxy;

  /** The session this slot holds, told of refused requests from proxy threads. */
  private volatile BrowserSession current;

  // Confined to the slot thread.
  private Playwright playwright;
  private Browser browser;

  /** Launches after the slot's first: its Chromium died, or was killed, and came back. */
  private final Counter restarts;

  private int launches;

  public BrowserSlot(
      int index, String workerId, BrowserSettings settings, EgressProxy proxy, Counter restarts) {
    this.index = index;
    this.restarts = restarts;
    this.settings = settings;
    this.proxy = proxy;
    this.proxyPort =
        proxy.open(
            new EgressProxy.Listener() {
              @Override
              public void refused(String request, String reason) {
                BrowserSlot.this.refused(request, reason);
              }

              @Override
              public void upstreamFailed(String message) {
                BrowserSession session = current;
                if (session != null) {
                  session.upstreamFailed(message);
                }
              }
            });
    this.thread =
        Executors.newSingleThreadExecutor(
            r -> {
              Thread t = new Thread(r, "browser-slot-" + index + "-" + workerId);
              t.setDaemon(true);
              return t;
            });
  }

  public int index() {
    return index;
  }

  /**
   * Sends the browser's traffic through {@code upstream} once the egress policy allowed it (null:
   * straight to its destination): set for each session as it opens (SPEC 12).
   */
  void routeThrough(EgressProxy.Upstream upstream) {
    proxy.route(proxyPort, upstream);
  }

  void hold(BrowserSession session) {
    current = session;
  }

  void letGo(BrowserSession session) {
    if (current == session) {
      current = null;
    }
  }

  private void refused(String request, String reason) {
    BrowserSession session = current;
    if (session != null) {
      session.refused(request, reason);
    }
  }

  public <T> Future<T> submit(Callable<T> work) {
    return thread.submit(work);
  }

  /** The slot's browser, launched or relaunched if it is not connected. Slot thread only. */
  Browser browser() {
    if (browser != null && browser.isConnected()) {
      return browser;
    }
    if (browser != null) {
      LOG.warn("Browser of slot {} disconnected; relaunching", index);
      try {
        browser.close();
      } catch (PlaywrightException ignored) {
        // Already gone.
      }
    }
    if (playwright == null) {
      playwright =
          Playwright.create(
              new Playwright.CreateOptions()
                  .setEnv(Map.of("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")));
    }
    if (launches++ > 0) {
      restarts.increment();
    }
    List<String> args = new ArrayList<>(BrowserSettings.DEFAULT_ARGS);
    args.addAll(settings.extraArgs());
    args.add(marker);
    browser =
        playwright
            .chromium()
            .launch(
                new BrowserType.LaunchOptions()
                    .setExecutablePath(Path.of(settings.chromiumPath()))
                    .setHeadless(settings.headless())
                    // Playwright adds "<-loopback>" to the bypass list: loopback goes through the
                    // proxy too.
                    .setProxy(new Proxy("http://127.0.0.1:" + proxyPort))
                    .setArgs(args));
    return browser;
  }

  /** Whether the browser is up; asks on the slot thread, so call it only while the slot is idle. */
  public boolean isHealthy() {
    try {
      return submit(() -> browser != null && browser.isConnected()).get(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      return false;
    }
  }

  /** Number of open browser contexts; asks the browser itself, on the slot thread. */
  int openContexts() {
    return browser == null || !browser.isConnected() ? 0 : browser.contexts().size();
  }

  /**
   * Kills this slot's Chromium from any thread. The call the slot thread is blocked in then fails,
   * and the next session relaunches the browser. Used only when a cancelled step does not stop.
   */
  public void forceStop() {
    ProcessHandle.current()
        .descendants()
        .filter(p -> p.info().arguments().map(a -> Arrays.asList(a).contains(marker)).orElse(false))
        .forEach(
            p -> {
              LOG.warn("Killing Chromium process {} of slot {}", p.pid(), index);
              p.descendants().forEach(ProcessHandle::destroyForcibly);
              p.destroyForcibly();
            });
  }

  @Override
  public void close() {
    Future<?> closing =
        thread.submit(
            () -> {
              if (playwright != null) {
                playwright.close();
              }
              browser = null;
              playwright = null;
            });
    try {
      closing.get(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      LOG.warn("Slot {} did not close its browser in time; killing it", index, e);
      forceStop();
    }
    thread.shutdownNow();
  }
}
