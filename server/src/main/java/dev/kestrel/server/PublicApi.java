package dev.kestrel.server;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kestrel.engine.TemporalEngine;
import dev.kestrel.server.admin.ManualRunTask;
import dev.kestrel.server.auth.ApiKeyAuthFilter;
import dev.kestrel.server.auth.OrganizationRateLimit;
import dev.kestrel.server.config.KestrelConfiguration;
import dev.kestrel.server.core.ArtifactRetention;
import dev.kestrel.server.core.InputAnswers;
import dev.kestrel.server.core.InputResolver;
import dev.kestrel.server.core.RunEngine;
import dev.kestrel.server.core.RunReconciler;
import dev.kestrel.server.core.RunRecovery;
import dev.kestrel.server.core.RunService;
import dev.kestrel.server.core.StartupSweep;
import dev.kestrel.server.core.TaskSchedules;
import dev.kestrel.server.core.UploadIntake;
import dev.kestrel.server.engine.Engine;
import dev.kestrel.server.errors.ErrorMappers;
import dev.kestrel.server.metrics.RefusalMetrics;
import dev.kestrel.server.resources.EventStreamHeaders;
import dev.kestrel.server.resources.InputPageResource;
import dev.kestrel.server.resources.JsonObjectReader;
import dev.kestrel.server.resources.OpenApiResource;
import dev.kestrel.server.resources.ProfileResource;
import dev.kestrel.server.resources.ProxyResource;
import dev.kestrel.server.resources.RequestSizeFilter;
import dev.kestrel.server.resources.RunResource;
import dev.kestrel.server.resources.TaskReader;
import dev.kestrel.server.resources.TaskResource;
import dev.kestrel.server.resources.WebhookEndpointReader;
import dev.kestrel.server.resources.WebhookEndpointResource;
import dev.kestrel.server.watch.RunWaits;
import dev.kestrel.server.watch.RunWatch;
import dev.kestrel.store.InputLinks;
import dev.kestrel.store.Sealer;
import dev.kestrel.store.Store;
import dev.kestrel.store.UploadFiles;
import dev.kestrel.store.db.ApiKeyDao;
import dev.kestrel.store.records.Organization;
import io.dropwizard.auth.AuthDynamicFeature;
import io.dropwizard.auth.AuthValueFactoryProvider;
import io.dropwizard.core.setup.Environment;
import io.dropwizard.jersey.setup.JerseyEnvironment;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.ArrayList;
import java.util.List;

/**
 * The public API (SPEC): its resources, their auth and error mapping, and the run reconciler behind
 * them.
 */
public final class PublicApi {
  private PublicApi() {}

  /**
   * What every resource stands behind: the body size limit, API-key auth, and the error mappers.
   */
  public static List<Object> providers(
      ApiKeyDao keys,
      int maxRequestBytes,
      long maxFileRequestBytes,
      int requestsPerSecondPerOrganization) {
    List<Object> providers = new ArrayList<>();
    providers.add(new RequestSizeFilter(maxRequestBytes, maxFileRequestBytes));
    providers.add(new AuthDynamicFeature(new ApiKeyAuthFilter(keys)));
    providers.add(new OrganizationRateLimit(requestsPerSecondPerOrganization));
    providers.add(new EventStreamHeaders());
    providers.add(new AuthValueFactoryProvider.Binder<>(Organization.class));
    providers.addAll(ErrorMappers.all());
    return providers;
  }

  /**
   * The run lifecycle, shared by the API, the schedules' firings and the operator's run-task (all
   * queue runs the same way).
   */
  public static RunService runService(
      KestrelConfiguration config,
      ObjectMapper mapper,
      Store store,
      TemporalEngine engine,
      InputLinks links,
      UploadFiles files,
      MeterRegistry meters) {
    return new RunService(
        store.tasks(),
        store.runs(),
        store.logs(),
        store.checkpointRows(),
        Engine.runs(engine),
        new InputResolver(JsonObjectReader.strict(mapper), config.limits().maxUploadBytes()),
        config
            .worker()
            .execution()
            .withOutputCaps(config.limits().maxOutputBytes(), config.limits().maxRunOutputBytes())
            .withTrace(config.artifacts().trace())
            .withStepExecutionLimit(config.limits().maxStepExecutionsPerRun()),
        config.publicUrl(),
        config.limits().maxActiveRunsPerOrganization(),
        store.artifacts(),
        links,
        meters,
        new UploadIntake(files, mapper, config.limits().maxRequestBytes()),
        store.profileRows(),
        store.proxies());
  }

  public static void install(
      KestrelConfiguration config,
      Environment env,
      Store store,
      TemporalEngine engine,
      Sealer sealer,
      UploadFiles files,
      RunService runs,
      TaskSchedules schedules,
      MeterRegistry meters) {
    // Request bodies are read strictly (duplicate keys, nesting); answers keep Dropwizard's mapper.
    ObjectMapper mapper = JsonObjectReader.strict(env.getObjectMapper());
    RunEngine runEngine = Engine.runs(engine);
    JerseyEnvironment jersey = env.jersey();
    providers(
            store.apiKeys(),
            config.limits().maxRequestBytes(),
            config.limits().maxFileRequestBytes(),
            config.limits().requestsPerSecondPerOrganization())
        .forEach(jersey::register);
    jersey.register(new RefusalMetrics(meters));
    TaskReader tasks =
        new TaskReader(
            mapper,
            config.limits().maxStepsPerTask(),
            config.limits().maxRunTimeoutSeconds(),
            config.limits().maxStepExecutionsPerRun(),
            config.limits().maxUploadBytes());
    jersey.register(
        new TaskResource(
            store.tasks(),
            tasks,
            runs,
            schedules,
            mapper,
            new UploadIntake(files, mapper, config.limits().maxRequestBytes())));
    jersey.register(new OpenApiResource(env.getObjectMapper()));
    jersey.register(
        new ProfileResource(
            store.profiles(sealer, config.profiles().keepVersions()),
            mapper,
            config.profiles().maxStateBytes(),
            config.profiles().maxPerOrganization()));
    jersey.register(
        new ProxyResource(
            store.proxies(),
            sealer,
            config.egress().policy(),
            mapper,
            config.limits().maxProxiesPerOrganization()));
    RunWatch watches =
        new RunWatch(
            store.runs(),
            store.changes(),
            config.limits().maxWaitingRequestsPerOrganization(),
            500);
    env.lifecycle().manage(watches);
    // Before Jetty waits for requests in flight: suspended long polls and streams are answered now.
    env.lifecycle()
        .addEventListener(
            new org.eclipse.jetty.util.component.LifeCycle.Listener() {
              @Override
              public void lifeCycleStopping(org.eclipse.jetty.util.component.LifeCycle event) {
                watches.answerAll();
              }
            });
    InputAnswers answers = new InputAnswers(runs, store.runs(), runEngine, sealer);
    io.micrometer.core.instrument.Gauge.builder(
            "kestrel.runs.waiting", store.runs(), dev.kestrel.store.db.RunDao::countWaiting)
        .description("Runs that wait for a person's input (an input step) now")
        .register(meters);
    jersey.register(
        new RunResource(
            runs,
            new RunWaits(runs, watches, store.artifacts(), mapper),
            answers,
            store.artifacts(),
            mapper));
    jersey.register(
        new InputPageResource(
            store.runs(),
            store.organizations(),
            runs,
            answers,
            new InputLinks(sealer),
            store.artifacts(),
            mapper));
    env.admin().addTask(new ManualRunTask(runs, store.tasks(), store.organizations(), mapper));
    jersey.register(
        new WebhookEndpointResource(
            store.webhooks(),
            store.tasks(),
            new WebhookEndpointReader(mapper, config.egress().policy()::refusal),
            config.webhooks().maxEndpointsPerOrganization()));
    env.lifecycle()
        .manage(
            new StartupSweep(
                "run-recovery", new RunRecovery(store.runs(), store.logs(), runEngine)::recover));
    new RunReconciler(runs, config.reconcileIntervalSeconds())
        .scheduleOn(env.lifecycle().scheduledExecutorService("run-reconciler", true).build());
    new ArtifactRetention(
            store.artifacts(),
            store.runs(),
            store.checkpointRows(),
            store.uploadFileRows(),
            config.artifacts().retention(),
            config.artifacts().cleanupInterval())
        .scheduleOn(env.lifecycle().scheduledExecutorService("artifact-retention", true).build());
  }
}
