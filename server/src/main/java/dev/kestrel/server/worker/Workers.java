package dev.kestrel.server.worker;

import dev.kestrel.activities.browser.BrowserPool;
import dev.kestrel.activities.browser.BrowserSettings;
import dev.kestrel.activities.browser.SealedInputs;
import dev.kestrel.activities.profile.ProfileActivitiesImpl;
import dev.kestrel.activities.webhook.WebhookDeliveryActivitiesImpl;
import dev.kestrel.activities.webhook.WebhookEventActivitiesImpl;
import dev.kestrel.activities.webhook.WebhookRecovery;
import dev.kestrel.activities.webhook.WebhookSender;
import dev.kestrel.engine.TemporalEngine;
import dev.kestrel.server.config.KestrelConfiguration;
import dev.kestrel.server.config.WebhookSettings;
import dev.kestrel.server.core.StartupSweep;
import dev.kestrel.server.health.BrowserHealthCheck;
import dev.kestrel.store.Checkpoints;
import dev.kestrel.store.InputLinks;
import dev.kestrel.store.JdbiRunRecorder;
import dev.kestrel.store.Profiles;
import dev.kestrel.store.Sealer;
import dev.kestrel.store.Store;
import dev.kestrel.store.WebhookStore;
import dev.kestrel.workflows.ScheduledRunActivities;
import io.dropwizard.core.setup.Environment;
import io.dropwizard.lifecycle.Managed;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.temporal.client.WorkflowClient;
import java.time.Duration;

/**
 * This process's worker: the deterministic side (run and webhook workflows, the store's local
 * activities, webhook delivery) and the browser side. Each has its own engine connection, so that
 * losing the browser side (a crash, a restart) takes nothing else down with it.
 */
public final class Workers implements Managed {
  private final TemporalEngine engine;
  private final BrowserSettings browser;
  private final Duration shutdownGrace;
  private final Store store;
  private final Checkpoints checkpoints;
  private final SealedInputs sealed;
  private final MeterRegistry meters;
  private volatile BrowserWorker browserWorker;

  private Workers(
      TemporalEngine engine,
      BrowserSettings browser,
      Duration shutdownGrace,
      Store store,
      Checkpoints checkpoints,
      SealedInputs sealed,
      MeterRegistry meters) {
    this.engine = engine;
    this.checkpoints = checkpoints;
    this.sealed = sealed;
    this.meters = meters;
    this.browser = browser;
    this.shutdownGrace = shutdownGrace;
    this.store = store;
    this.browserWorker = newBrowserWorker();
  }

  /** Registers both sides with the process's lifecycle and the browser with its health checks. */
  public static Workers install(
      KestrelConfiguration config,
      Environment env,
      Store store,
      TemporalEngine engine,
      Sealer sealer,
      ScheduledRunActivities firings,
      MeterRegistry meters) {
    WebhookSettings hooks = config.webhooks();
    WebhookStore webhookStore = store.webhookStore(config.publicUrl(), new InputLinks(sealer));
    WorkflowClient client = engine.newWorkerClient();
    Checkpoints checkpoints = store.checkpoints(sealer, config.limits().maxCheckpointBytes());
    Profiles profiles = store.profiles(sealer, config.profiles().keepVersions());
    Workers workers =
        new Workers(
            engine,
            config.worker().browser(config.egress().policy(), config.artifacts().maxRunBytes()),
            config.worker().shutdownGrace(),
            store,
            checkpoints,
            new SealedInputs(sealer, store.uploadFiles(sealer), profiles, store.proxies()),
            meters);
    // Managed objects stop in the reverse order of this registration: the run workflows stop before
    // the browser side. A graceful stop ends the steps in progress; were the workflows still
    // running,
    // each would count that as a lost session and open the next one on this stopping worker, until
    // the run failed as browser_crashed. Stopped first, they find each run's failed step on the
    // next
    // start (or on another worker) and hand it over once.
    env.lifecycle().manage(workers);
    env.lifecycle()
        .manage(
            new RunWorkflowWorker(
                client,
                store.runRecorder(),
                firings,
                new ProfileActivitiesImpl(checkpoints, profiles),
                new WebhookEventActivitiesImpl(
                    webhookStore, client, hooks.delivery(), hooks.logBatchSize()),
                new WebhookDeliveryActivitiesImpl(
                    webhookStore,
                    new WebhookSender(
                        config.egress().policy(),
                        Duration.ofSeconds(hooks.requestTimeoutSeconds())),
                    meters)));
    env.lifecycle()
        .manage(
            new StartupSweep(
                "webhook-recovery",
                new WebhookRecovery(webhookStore, client, hooks.delivery())::recover));
    env.healthChecks().register("browser", new BrowserHealthCheck(workers::browserPool));
    // Asked of the pool in service at each scrape: the browser side may be replaced while the
    // process runs.
    Gauge.builder("kestrel.browser.slots", workers, w -> w.browserPool().slots())
        .description("Browser slots of this worker")
        .register(meters);
    Gauge.builder("kestrel.browser.slots.busy", workers, w -> w.browserPool().busySlots())
        .description("Browser slots holding a session")
        .register(meters);
    return workers;
  }

  private BrowserWorker newBrowserWorker() {
    JdbiRunRecorder recorder = store.runRecorder();
    return new BrowserWorker(
        engine.newWorkerClient(),
        browser,
        recorder,
        store.artifacts(),
        checkpoints,
        sealed,
        shutdownGrace,
        store.runs()::watchedLive,
        meters);
  }

  public BrowserWorker browserWorker() {
    return browserWorker;
  }

  public BrowserPool browserPool() {
    return browserWorker.pool();
  }

  /**
   * Replaces the browser side as a crash and a restart would: the old one stops at once, a new one
   * (another identity, another task queue) takes its place on the same engine.
   */
  public BrowserWorker replaceBrowserWorker() {
    browserWorker.halt();
    BrowserWorker fresh = newBrowserWorker();
    fresh.start();
    browserWorker = fresh;
    return fresh;
  }

  @Override
  public void start() {
    browserWorker.start();
  }

  @Override
  public void stop() {
    browserWorker.stop();
  }
}
