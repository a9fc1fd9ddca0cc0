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

  /** The browser process of the last launch, when it was found. */
  private volatile java.util.Optional<ProcessHandle> browserProcess = java.util.Optional.empty();

  private final int proxyPort;
  private final EgressProxy proxy;

  /** The session this slot holds, told of refused requests from proxy threads. */
  private volatile BrowserSession current;

  // Confined to the slot thread.
  private Playwright playwright;
  private Browser browser;

  /** Launches after the slot's first: its Chromium died, or was killed, and came back. */
  private final Counter restarts;

  /** Browsers closed on purpose between two sessions, by reason (sessions, memory). */
  private final Counter.Builder recycles;

  private final io.micrometer.core.instrument.MeterRegistry meters;

  private int launches;

  // Confined to the slot thread: sessions the running browser served, and whether the next launch
  // follows a recycling (not a crash).
  private int sessionsServed;
  private boolean recycled;

  public BrowserSlot(
      int index,
      String workerId,
      BrowserSettings settings,
      EgressProxy proxy,
      Counter restarts,
      io.micrometer.core.instrument.MeterRegistry meters) {
    this.index = index;
    this.restarts = restarts;
    this.meters = meters;
    this.recycles =
        Counter.builder("kestrel.browser.recycles")
            .description(
                "Chromium closed and launched afresh between two sessions, after"
                    + " worker.recycleBrowserAfterSessions or above worker.recycleBrowserAboveMb");
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
    if (launches++ > 0 && !recycled) {
      restarts.increment();
    }
    recycled = false;
    sessionsServed = 0;
    List<String> args = new ArrayList<>(settings.launchArgs());
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
    // Found once per launch: after each session the memory check reads only this tree.
    browserProcess = browsers().filter(p -> p.parent().filter(this::marked).isEmpty()).findFirst();
    return browser;
  }

  /**
   * After a session's context closed, on the slot thread: closes the browser and its Playwright
   * driver when the browser has served {@code recycleAfterSessions} sessions, or its processes'
   * resident memory together is above {@code recycleAboveBytes}; the next session launches a fresh
   * one. Between two sessions, so no run notices but for the second a launch takes.
   */
  void recycleIfDue() {
    if (browser == null || !browser.isConnected()) {
      return;
    }
    sessionsServed++;
    String reason = null;
    long rss = 0;
    if (sessionsServed >= settings.recycleAfterSessions()) {
      reason = "sessions";
    } else if (settings.recycleAboveBytes() > 0
        && (rss = residentBytes()) > settings.recycleAboveBytes()) {
      reason = "memory";
    }
    if (reason == null) {
      return;
    }
    LOG.info(
        "Relaunching the browser of slot {} after {} sessions{}",
        index,
        sessionsServed,
        reason.equals("memory") ? ", its processes holding " + (rss >> 20) + " MB" : "");
    recycles.tag("reason", reason).register(meters).increment();
    try {
      playwright.close();
    } catch (PlaywrightException e) {
      forceStop();
    }
    browser = null;
    playwright = null;
    recycled = true;
  }

  /** The resident memory of this slot's Chromium processes together. */
  long residentBytes() {
    return ProcessMemory.residentBytes(processes());
  }

  /** This slot's Chromium browser processes, found among all of this JVM's descendants. */
  private java.util.stream.Stream<ProcessHandle> browsers() {
    return ProcessHandle.current().descendants().filter(this::marked);
  }

  /** Whether the process carries this slot's marker on its command line. */
  private boolean marked(ProcessHandle p) {
    return p.info().arguments().map(a -> Arrays.asList(a).contains(marker)).orElse(false);
  }

  /** This slot's Chromium and every process under it. */
  List<ProcessHandle> processes() {
    List<ProcessHandle> all = new ArrayList<>();
    browserProcess
        .filter(ProcessHandle::isAlive)
        .map(java.util.stream.Stream::of)
        .orElseGet(this::browsers)
        .forEach(
            p -> {
              all.add(p);
              p.descendants().forEach(all::add);
            });
    return all;
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
    browsers()
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
