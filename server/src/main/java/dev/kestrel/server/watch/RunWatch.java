package dev.kestrel.server.watch;

import dev.kestrel.server.core.TooManyRequests;
import dev.kestrel.store.RunChanges;
import dev.kestrel.store.RunChanges.Change;
import dev.kestrel.store.db.RunDao;
import dev.kestrel.store.records.Organization;
import io.dropwizard.lifecycle.Managed;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Who is waiting for which run (long polls, log streams), and waking them when the run changes. No
 * thread waits per request: a waiter is a callback. This process's own writes wake waiters at once
 * ({@link RunChanges}); writes of workers in other processes are found by one query for all watched
 * runs every {@code checkMillis}. Each organization may hold at most {@code maxPerOrganization}
 * waiters; beyond that a request is answered 429, so one client cannot hold the server's memory.
 */
public final class RunWatch implements Managed {
  private static final Logger LOG = LoggerFactory.getLogger(RunWatch.class);
  public static final int RETRY_AFTER_SECONDS = 5;
  private static final int CHECK_BATCH = 500;

  private final RunDao runs;
  private final int maxPerOrganization;
  private final long checkMillis;
  private final Map<String, Set<Watch>> byRun = new ConcurrentHashMap<>();
  private final Map<String, AtomicInteger> byOrganization = new ConcurrentHashMap<>();
  private final ScheduledExecutorService executor =
      Executors.newScheduledThreadPool(
          2,
          r -> {
            Thread t = new Thread(r, "run-watch");
            t.setDaemon(true);
            return t;
          });

  public RunWatch(RunDao runs, RunChanges changes, int maxPerOrganization, long checkMillis) {
    this.runs = runs;
    this.maxPerOrganization = maxPerOrganization;
    this.checkMillis = checkMillis;
    changes.subscribe(this::changed);
  }

  /** One waiter on one run. {@code onChange} runs on the watch's threads, one call at a time. */
  public final class Watch implements AutoCloseable {
    private final String organizationId;
    private final String runId;
    private final Runnable onChange;

    /** Woken by every change (a log stream), not only by the run's end. */
    private final boolean everyChange;

    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile String version;
    private volatile ScheduledFuture<?> timer;
    private volatile Runnable finalAction;
    private final List<ScheduledFuture<?>> repeaters =
        new java.util.concurrent.CopyOnWriteArrayList<>();

    private Watch(String organizationId, String runId, boolean everyChange, Runnable onChange) {
      this.organizationId = organizationId;
      this.runId = runId;
      this.everyChange = everyChange;
      this.onChange = onChange;
    }

    private synchronized void fire() {
      if (closed.get()) {
        return;
      }
      try {
        onChange.run();
      } catch (RuntimeException e) {
        LOG.warn("A waiter on run {} failed; closing it", runId, e);
        close();
      }
    }

    /**
     * Calls {@code action} once after {@code millis}, on the watch's threads, unless closed before;
     * also when the server begins to stop, so that a long poll is answered rather than cut.
     */
    public void after(long millis, Runnable action) {
      this.finalAction = action;
      timer =
          executor.schedule(
              () -> {
                synchronized (this) {
                  if (!closed.get()) {
                    action.run();
                  }
                }
              },
              millis,
              TimeUnit.MILLISECONDS);
    }

    /** Calls {@code action} every {@code millis} until closed. */
    public void every(long millis, Runnable action) {
      ScheduledFuture<?> repeating =
          executor.scheduleWithFixedDelay(
              () -> {
                synchronized (this) {
                  if (!closed.get()) {
                    action.run();
                  }
                }
              },
              millis,
              millis,
              TimeUnit.MILLISECONDS);
      repeaters.add(repeating);
    }

    /** Runs {@code onChange} soon, as a change would. */
    public void poke() {
      executor.execute(this::fire);
    }

    /** Idempotent: frees the organization's share at once. */
    @Override
    public void close() {
      if (!closed.compareAndSet(false, true)) {
        return;
      }
      ScheduledFuture<?> t = timer;
      if (t != null) {
        t.cancel(false);
      }
      repeaters.forEach(r -> r.cancel(false));
      // Atomic per run with the add in watch(): a set is never dropped while a watch joins it.
      byRun.computeIfPresent(
          runId,
          (k, watches) -> {
            watches.remove(this);
            return watches.isEmpty() ? null : watches;
          });
      byOrganization.get(organizationId).decrementAndGet();
    }

    public boolean isClosed() {
      return closed.get();
    }
  }

  /**
   * Registers {@code onChange} for the end of {@code runId} (a terminal status); the caller closes
   * the watch when done. It may also run at other times (a poke, a change another process made), so
   * it reads what it needs.
   *
   * @throws TooManyRequests when the organization holds its share of waiters already
   */
  public Watch watch(Organization org, String runId, Runnable onChange) {
    return watch(org, runId, false, onChange);
  }

  /** The same, woken by every change of the run: each log entry, step and status (a log stream). */
  public Watch watchEveryChange(Organization org, String runId, Runnable onChange) {
    return watch(org, runId, true, onChange);
  }

  private Watch watch(Organization org, String runId, boolean everyChange, Runnable onChange) {
    String organizationId = org.id();
    AtomicInteger held = byOrganization.computeIfAbsent(organizationId, k -> new AtomicInteger());
    if (held.incrementAndGet() > org.fairShare().maxWaitingRequests(maxPerOrganization)) {
      held.decrementAndGet();
      throw new TooManyRequests("too_many_waiting_requests", RETRY_AFTER_SECONDS);
    }
    Watch watch = new Watch(organizationId, runId, everyChange, onChange);
    byRun.compute(
        runId,
        (k, watches) -> {
          Set<Watch> joined = watches == null ? ConcurrentHashMap.newKeySet() : watches;
          joined.add(watch);
          return joined;
        });
    return watch;
  }

  /** Only a run's end wakes a long poll: a run writes a dozen log lines and steps before it. */
  private void changed(String runId, Change change) {
    Set<Watch> watches = byRun.get(runId);
    if (watches != null && !watches.isEmpty()) {
      List<Watch> woken =
          watches.stream().filter(w -> change == Change.END || w.everyChange).toList();
      if (!woken.isEmpty()) {
        executor.execute(() -> woken.forEach(Watch::fire));
      }
    }
  }

  /** Finds what other processes wrote: one query per batch of watched runs. */
  private void check() {
    try {
      List<String> ids = List.copyOf(byRun.keySet());
      for (int from = 0; from < ids.size(); from += CHECK_BATCH) {
        Map<String, String> versions =
            runs.versions(ids.subList(from, Math.min(ids.size(), from + CHECK_BATCH)));
        versions.forEach(
            (runId, version) -> {
              Set<Watch> watches = byRun.get(runId);
              if (watches == null) {
                return;
              }
              for (Watch w : List.copyOf(watches)) {
                String before = w.version;
                w.version = version;
                if (before != null && !before.equals(version)) {
                  executor.execute(w::fire);
                }
              }
            });
      }
    } catch (RuntimeException e) {
      LOG.warn("Checking watched runs failed; trying again", e);
    }
  }

  /**
   * The server is stopping: every waiter gets its final answer now (a long poll its run as it is, a
   * stream its end).
   */
  public void answerAll() {
    for (Set<Watch> watches : byRun.values()) {
      for (Watch w : List.copyOf(watches)) {
        Runnable last = w.finalAction;
        synchronized (w) {
          if (last != null && !w.isClosed()) {
            try {
              last.run();
            } catch (RuntimeException e) {
              LOG.debug("Final answer to a waiter on run {} failed", w.runId, e);
            }
          }
        }
        w.close();
      }
    }
  }

  @Override
  public void start() {
    executor.scheduleWithFixedDelay(this::check, checkMillis, checkMillis, TimeUnit.MILLISECONDS);
  }

  @Override
  public void stop() {
    executor.shutdownNow();
  }
}
