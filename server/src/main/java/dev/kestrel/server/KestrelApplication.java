package dev.kestrel.server;

import dev.kestrel.activities.egress.EgressPolicy;
import dev.kestrel.engine.Env;
import dev.kestrel.engine.StartupFailure;
import dev.kestrel.engine.TemporalEngine;
import dev.kestrel.server.cli.CreateApiKeyCommand;
import dev.kestrel.server.cli.CreateOrganizationCommand;
import dev.kestrel.server.cli.ListApiKeysCommand;
import dev.kestrel.server.cli.RevokeApiKeyCommand;
import dev.kestrel.server.cli.RunTaskCommand;
import dev.kestrel.server.cli.ServeCommand;
import dev.kestrel.server.cli.SetOrganizationLimitsCommand;
import dev.kestrel.server.cli.SetWebhookPepperCommand;
import dev.kestrel.server.cli.WorkerCommand;
import dev.kestrel.server.config.KestrelConfiguration;
import dev.kestrel.server.core.Organizations;
import dev.kestrel.server.core.RunService;
import dev.kestrel.server.core.ScheduledRunAdmission;
import dev.kestrel.server.core.TaskSchedules;
import dev.kestrel.server.engine.Engine;
import dev.kestrel.server.engine.TemporalTaskSchedules;
import dev.kestrel.server.errors.JsonErrorHandler;
import dev.kestrel.server.health.DatabaseHealthCheck;
import dev.kestrel.server.health.DeadlockHealthCheck;
import dev.kestrel.server.health.WebhookBacklogHealthCheck;
import dev.kestrel.server.logging.UserFailureFilter;
import dev.kestrel.server.metrics.Prometheus;
import dev.kestrel.server.worker.Workers;
import dev.kestrel.store.InputLinks;
import dev.kestrel.store.Sealer;
import dev.kestrel.store.Store;
import dev.kestrel.store.UploadFiles;
import io.dropwizard.configuration.EnvironmentVariableSubstitutor;
import io.dropwizard.configuration.SubstitutingSourceProvider;
import io.dropwizard.core.Application;
import io.dropwizard.core.cli.CheckCommand;
import io.dropwizard.core.server.AbstractServerFactory;
import io.dropwizard.core.server.DefaultServerFactory;
import io.dropwizard.core.setup.Bootstrap;
import io.dropwizard.core.setup.Environment;
import io.dropwizard.db.ManagedDataSource;
import io.dropwizard.jdbi3.JdbiFactory;
import io.dropwizard.jetty.HttpConnectorFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Stream;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.NetworkConnector;
import org.eclipse.jetty.util.component.LifeCycle;

/**
 * The runnable. {@code server}: the public API and, by default, a worker in the same process;
 * {@code worker}: a worker alone; plus operator commands for organizations and keys.
 */
public class KestrelApplication extends Application<KestrelConfiguration> {

  static {
    // The embedded H2 database's auto-server (for operator commands while the server runs) listens
    // on this host only; H2 reads the setting once, when it is first loaded, so it is set as soon
    // as this class is (by main, or by a test that starts the application).
    if (System.getProperty("h2.bindAddress") == null) {
      System.setProperty("h2.bindAddress", "127.0.0.1");
    }
  }

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
            bootstrap.getConfigurationSourceProvider(), settingsSubstitutor()));
    bootstrap.addCommand(new WorkerCommand(this));
    bootstrap.addCommand(new CreateOrganizationCommand());
    bootstrap.addCommand(new CreateApiKeyCommand());
    bootstrap.addCommand(new RevokeApiKeyCommand());
    bootstrap.addCommand(new ListApiKeysCommand());
    bootstrap.addCommand(new SetWebhookPepperCommand());
    bootstrap.addCommand(new SetOrganizationLimitsCommand());
    bootstrap.addCommand(new RunTaskCommand());
  }

  /**
   * {@code ${KESTREL_...}} in a configuration file, read as the defaults are ({@link Env#lookup}:
   * the old {@code KOMOS_*} names are aliases); {@code ${NAME:-default}} gives a default.
   */
  static EnvironmentVariableSubstitutor settingsSubstitutor() {
    EnvironmentVariableSubstitutor substitutor = new EnvironmentVariableSubstitutor(false);
    substitutor.setVariableResolver(Env::lookup);
    return substitutor;
  }

  /** {@code server} is ours, so that a start refused as configured says why in one line. */
  @Override
  protected void addDefaultCommands(Bootstrap<KestrelConfiguration> bootstrap) {
    bootstrap.addCommand(new ServeCommand(this));
    bootstrap.addCommand(new CheckCommand<>(this));
  }

  @Override
  public void run(KestrelConfiguration config, Environment env) throws Exception {
    install(config, env);
  }

  /** Wires this process from its configuration and returns what it started. */
  protected final Installation install(KestrelConfiguration config, Environment env)
      throws Exception {
    UserFailureFilter.install();
    // Our mappers answer every error as {"detail": ...}; Dropwizard's would not.
    ((AbstractServerFactory) config.getServerFactory()).setRegisterDefaultExceptionMappers(false);
    // A flushed write of a streamed answer (a long poll's keep-alive, a log event) reaches a client
    // that asked for gzip at once: it is how a client that left is noticed, and what SSE is for.
    ((AbstractServerFactory) config.getServerFactory()).getGzipFilterFactory().setSyncFlush(true);
    requireWritable(config.dataDir());
    Prometheus metrics = Prometheus.install(env);
    // The engine first: a LOCAL one takes the data folder's lock, so a second server stops here.
    TemporalEngine engine = Engine.install(config, env, metrics.sdkScope());
    protectOwnPorts(config, env, engine);
    // Requests Jetty cannot parse are answered in the API's JSON shape, never with its HTML page.
    env.lifecycle()
        .addEventListener(
            new LifeCycle.Listener() {
              @Override
              public void lifeCycleStarting(LifeCycle event) {
                if (event instanceof org.eclipse.jetty.server.Server jetty) {
                  jetty.setErrorHandler(new JsonErrorHandler());
                }
              }
            });
    Store store = openStore(config, env);
    // One key ring seals what is a credential (checkpoints, secret inputs) and signs input links.
    Sealer sealer = Sealer.open(config.sealingKeys(), config.dataDir());
    UploadFiles uploadFiles = store.uploadFiles(sealer);
    // Every check answers in one line, cause and remedy; Dropwizard's own two answer stack traces.
    env.healthChecks().unregister("database");
    env.healthChecks()
        .register("database", new DatabaseHealthCheck(store.jdbi(), config.database().getUrl()));
    env.healthChecks().unregister("deadlocks");
    env.healthChecks().register("deadlocks", new DeadlockHealthCheck());
    env.healthChecks()
        .register(
            "webhooks",
            new WebhookBacklogHealthCheck(
                store.webhooks(),
                config.webhooks().delivery().maxRetries() + 1,
                Duration.ofMinutes(30)));
    Organizations organizations = new Organizations(store.organizations(), store.apiKeys());
    if (config.bootstrap().apiKey() != null) {
      organizations.ensureKey(config.bootstrap().organization(), config.bootstrap().apiKey());
    }
    TaskSchedules schedules =
        engine
            .scheduleClient()
            .<TaskSchedules>map(TemporalTaskSchedules::new)
            .orElse(TaskSchedules.NONE);
    RunService runs =
        PublicApi.runService(
            config,
            env.getObjectMapper(),
            store,
            engine,
            new InputLinks(sealer),
            uploadFiles,
            metrics.registry());
    Workers workers =
        config.worker().enabled()
            ? Workers.install(
                config,
                env,
                store,
                engine,
                sealer,
                new ScheduledRunAdmission(
                    store.organizations(), store.tasks(), runs, schedules, metrics.registry()),
                metrics.registry())
            : null;
    if (config.apiEnabled()) {
      PublicApi.install(
          config, env, store, engine, sealer, uploadFiles, runs, schedules, metrics.registry());
    }
    return new Installation(store, engine, organizations, workers);
  }

  /**
   * The browser may never reach this host's own services, whatever egress allows: the ports
   * configured are protected before anything runs, the ones bound at random once Jetty listens.
   */
  private static void protectOwnPorts(
      KestrelConfiguration config, Environment env, TemporalEngine engine) {
    EgressPolicy egress = config.egress().policy();
    engine.localPorts().forEach(egress::protectPort);
    if (config.getServerFactory() instanceof DefaultServerFactory server) {
      Stream.concat(
              server.getApplicationConnectors().stream(), server.getAdminConnectors().stream())
          .filter(HttpConnectorFactory.class::isInstance)
          .forEach(c -> egress.protectPort(((HttpConnectorFactory) c).getPort()));
    }
    env.lifecycle()
        .addServerLifecycleListener(
            jetty -> {
              for (Connector connector : jetty.getConnectors()) {
                if (connector instanceof NetworkConnector network) {
                  egress.protectPort(network.getLocalPort());
                }
              }
            });
  }

  private static void requireWritable(Path dataDir) {
    try {
      Files.createDirectories(dataDir);
      Path probe = Files.createTempFile(dataDir, ".write-check", "");
      Files.delete(probe);
    } catch (IOException | RuntimeException e) {
      throw new StartupFailure(
          "dataDir: the data folder "
              + dataDir
              + " cannot be written ("
              + e
              + "); "
              + "give the server a folder it may write (dataDir or KESTREL_DATA_DIR)");
    }
    // Only this server's user may read it: the database and its auto-server key, artifacts, the
    // engine's state.
    try {
      if (Files.getFileStore(dataDir).supportsFileAttributeView("posix")) {
        Files.setPosixFilePermissions(
            dataDir, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
      }
    } catch (IOException | UnsupportedOperationException e) {
      org.slf4j.LoggerFactory.getLogger(KestrelApplication.class)
          .warn(
              "Could not make the data folder {} private to this user: {}", dataDir, e.toString());
    }
  }

  /**
   * The store on the configured database (migrated), with Dropwizard's pool, metrics and health
   * check.
   */
  protected Store openStore(KestrelConfiguration config, Environment env) {
    ManagedDataSource dataSource = config.database().build(env.metrics(), "database");
    return Store.open(
        dataSource,
        new JdbiFactory().build(env, config.database(), dataSource, "database"),
        env.getObjectMapper(),
        config.limits().store(),
        config.dataDir().resolve("artifacts"));
  }
}
