package dev.kestrel.api;

import dev.kestrel.activities.browser.ArtifactStore;
import dev.kestrel.activities.browser.BrowserSettings;
import dev.kestrel.activities.record.RunRecordActivitiesImpl;
import dev.kestrel.activities.webhook.WebhookActivitiesImpl;
import dev.kestrel.activities.webhook.WebhookSender;
import dev.kestrel.activities.egress.EgressPolicy;
import dev.kestrel.api.auth.ApiKeyAuthFilter;
import dev.kestrel.api.cli.CreateApiKeyCommand;
import dev.kestrel.api.cli.CreateOrganizationCommand;
import dev.kestrel.api.cli.ListApiKeysCommand;
import dev.kestrel.api.cli.RevokeApiKeyCommand;
import dev.kestrel.api.cli.SetWebhookPepperCommand;
import dev.kestrel.api.cli.WorkerCommand;
import dev.kestrel.api.config.WebhookSettings;
import dev.kestrel.api.config.WorkerSettings;
import dev.kestrel.api.core.InputResolver;
import dev.kestrel.api.core.JsonBodies;
import dev.kestrel.api.core.Organization;
import dev.kestrel.api.core.Organizations;
import dev.kestrel.api.core.RunReconciler;
import dev.kestrel.api.core.RunService;
import dev.kestrel.api.core.BrowserWorker;
import dev.kestrel.api.core.EngineSetup;
import dev.kestrel.api.core.RunWorkflowWorker;
import dev.kestrel.api.core.TaskValidator;
import dev.kestrel.api.core.TemporalEngine;
import dev.kestrel.api.core.WebhookEndpointValidator;
import dev.kestrel.api.db.ApiKeyDao;
import dev.kestrel.api.db.Database;
import dev.kestrel.api.db.JdbiRunRecorder;
import dev.kestrel.api.db.JdbiWebhookStore;
import dev.kestrel.api.db.JsonColumns;
import dev.kestrel.api.db.OrganizationDao;
import dev.kestrel.api.db.RunDao;
import dev.kestrel.api.db.RunLogDao;
import dev.kestrel.api.db.TaskDao;
import dev.kestrel.api.db.WebhookDao;
import dev.kestrel.api.errors.ErrorMappers;
import dev.kestrel.api.health.BrowserHealthCheck;
import dev.kestrel.api.health.TemporalHealthCheck;
import dev.kestrel.api.resources.RequestSizeFilter;
import dev.kestrel.api.resources.RunResource;
import dev.kestrel.api.resources.TaskResource;
import dev.kestrel.api.resources.WebhookEndpointResource;
import dev.kestrel.workflows.RunInput;
import io.dropwizard.auth.AuthDynamicFeature;
import io.dropwizard.auth.AuthValueFactoryProvider;
import io.dropwizard.configuration.EnvironmentVariableSubstitutor;
import io.dropwizard.configuration.SubstitutingSourceProvider;
import io.dropwizard.core.Application;
import io.dropwizard.core.server.AbstractServerFactory;
import io.dropwizard.core.setup.Bootstrap;
import io.dropwizard.core.setup.Environment;
import io.dropwizard.db.ManagedDataSource;
import io.dropwizard.jdbi3.JdbiFactory;
import io.dropwizard.lifecycle.Managed;
import io.temporal.client.WorkflowClient;
import java.nio.file.Files;
import java.time.Duration;
import org.jdbi.v3.core.Jdbi;

/**
 * The runnable. {@code server}: the public API and, by default, a worker in the same process;
 * {@code worker}: a worker alone; plus operator commands for organizations and keys.
 */
public class KestrelApplication extends Application<KestrelConfiguration> {
  private TemporalEngine engine;
  private KestrelConfiguration configuration;
  private JdbiRunRecorder recorder;
  private ArtifactStore artifacts;
  private volatile BrowserWorker browserWorker;
  private Organizations organizations;

  public static void main(String[] args) throws Exception {
    new KestrelApplication().run(args);
  }

  @Override
  public String getName() {
    return "kestrel";
  }

  @Override
  public void initialize(Bootstrap<KestrelConfiguration> bootstrap) {
    bootstrap.setConfigurationSourceProvider(
        new SubstitutingSourceProvider(
            bootstrap.getConfigurationSourceProvider(), new EnvironmentVariableSubstitutor(false)));
    bootstrap.addCommand(new WorkerCommand(this));
    bootstrap.addCommand(new CreateOrganizationCommand());
    bootstrap.addCommand(new CreateApiKeyCommand());
    bootstrap.addCommand(new RevokeApiKeyCommand());
    bootstrap.addCommand(new ListApiKeysCommand());
    bootstrap.addCommand(new SetWebhookPepperCommand());
  }

  @Override
  public void run(KestrelConfiguration config, Environment env) throws Exception {
    this.configuration = config;
    // Our mappers answer every error as {"detail": ...}; Dropwizard's would not.
    ((AbstractServerFactory) config.getServerFactory()).setRegisterDefaultExceptionMappers(false);
    Files.createDirectories(config.dataDir());

    ManagedDataSource dataSource = config.database().build(env.metrics(), "database");
    Database.migrate(dataSource);
    Jdbi jdbi = new JdbiFactory().build(env, config.database(), dataSource, "database");
    JsonColumns json = new JsonColumns(env.getObjectMapper());
    OrganizationDao organizationDao = new OrganizationDao(jdbi);
    ApiKeyDao keyDao = new ApiKeyDao(jdbi);
    TaskDao taskDao = new TaskDao(jdbi, json);
    RunDao runDao = new RunDao(jdbi, json);
    RunLogDao logDao =
        new RunLogDao(jdbi, config.limits().maxLogEntriesPerRun(), config.limits().maxLogMessageChars());
    recorder = new JdbiRunRecorder(runDao, logDao);
    artifacts = new ArtifactStore(config.dataDir().resolve("artifacts"));

    organizations = new Organizations(organizationDao, keyDao);
    if (config.bootstrap().apiKey() != null) {
      organizations.ensureKey(config.bootstrap().organization(), config.bootstrap().apiKey());
    }

    engine = TemporalEngine.start(config.temporal());
    env.lifecycle().manage(engine);
    EngineSetup.ensure(engine.apiClient().getWorkflowServiceStubs(), config.temporal().namespace());
    env.healthChecks().register("temporal", new TemporalHealthCheck(engine.apiClient()));

    EgressPolicy egress = egressPolicy();
    WebhookDao webhookDao = new WebhookDao(jdbi, json);
    if (config.worker().enabled()) {
      WebhookSettings hooks = config.webhooks();
      WorkflowClient workerClient = engine.newWorkerClient();
      WebhookActivitiesImpl webhookActivities =
          new WebhookActivitiesImpl(
              new JdbiWebhookStore(runDao, logDao, webhookDao, organizationDao, json, config.publicUrl()),
              workerClient,
              new WebhookSender(egress, Duration.ofSeconds(hooks.requestTimeoutSeconds())),
              hooks.delivery(),
              hooks.logBatchSize());
      env.lifecycle().manage(
          new RunWorkflowWorker(workerClient, new RunRecordActivitiesImpl(recorder), webhookActivities));
      browserWorker = newBrowserWorker();
      env.lifecycle().manage(
          new Managed() {
            @Override
            public void start() {
              browserWorker.start();
            }

            @Override
            public void stop() {
              browserWorker.stop();
            }
          });
      env.healthChecks().register("browser", new BrowserHealthCheck(() -> browserWorker));
    }

    if (config.apiEnabled()) {
      JsonBodies bodies = new JsonBodies(env.getObjectMapper());
      WorkerSettings w = config.worker();
      RunService runService =
          new RunService(
              taskDao,
              runDao,
              logDao,
              engine.apiClient(),
              new InputResolver(bodies),
              new RunInput.ExecutionSettings(
                  w.heartbeatTimeoutSeconds(),
                  w.stepScheduleToStartSeconds(),
                  w.maxSessionAttempts(),
                  w.defaultStepTimeoutMs()),
              config.publicUrl(),
              config.testCrashAfterRecordingRun() ? () -> Runtime.getRuntime().halt(137) : () -> {});
      TaskValidator validator =
          new TaskValidator(bodies, config.limits().maxStepsPerTask(), config.limits().maxRunTimeoutSeconds());
      env.jersey().register(new RequestSizeFilter(config.limits().maxRequestBytes()));
      env.jersey().register(new AuthDynamicFeature(new ApiKeyAuthFilter(keyDao)));
      env.jersey().register(new AuthValueFactoryProvider.Binder<>(Organization.class));
      env.jersey().register(new ErrorMappers.Api());
      env.jersey().register(new ErrorMappers.Json());
      env.jersey().register(new ErrorMappers.Web());
      env.jersey().register(new ErrorMappers.Unhandled());
      env.jersey().register(new TaskResource(taskDao, validator, bodies, runService));
      env.jersey().register(new RunResource(runService, bodies, artifacts, env.getObjectMapper()));
      env.jersey().register(
          new WebhookEndpointResource(
              webhookDao,
              taskDao,
              new WebhookEndpointValidator(egress),
              bodies,
              config.webhooks().maxEndpointsPerOrganization()));
      env.lifecycle().manage(new RunReconciler(runDao, runService, config.reconcileIntervalSeconds()));
    }
  }

  /** A new browser worker with an engine connection of its own; not started. */
  public BrowserWorker newBrowserWorker() {
    WorkerSettings w = configuration.worker();
    BrowserSettings browser =
        new BrowserSettings(
            w.chromiumPath(),
            w.browserSlots(),
            w.headless(),
            w.chromiumArgs(),
            egressPolicy(),
            Duration.ofSeconds(w.slotWaitSeconds()),
            Duration.ofSeconds(w.cancelGraceSeconds()),
            Duration.ofSeconds(w.sessionIdleTimeoutSeconds()));
    return new BrowserWorker(engine.newWorkerClient(), browser, recorder, artifacts);
  }

  private EgressPolicy egressPolicy() {
    return new EgressPolicy(configuration.egress().allowLoopback(), configuration.egress().allowPrivate());
  }

  /** The in-process browser worker, if this process runs one. */
  public BrowserWorker browserWorker() {
    return browserWorker;
  }

  /**
   * Replaces the in-process browser worker as a crash and a restart would: the old one stops at
   * once, a new one (another identity, another task queue) takes its place on the same engine.
   */
  public BrowserWorker replaceBrowserWorker() {
    BrowserWorker old = browserWorker;
    if (old != null) {
      old.halt();
    }
    BrowserWorker fresh = newBrowserWorker();
    fresh.start();
    browserWorker = fresh;
    return fresh;
  }

  /** Operator actions on organizations and keys (the CLI commands' logic), on this process's store. */
  public Organizations organizations() {
    return organizations;
  }

  public TemporalEngine engine() {
    return engine;
  }

}
