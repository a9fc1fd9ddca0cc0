package dev.kestrel.server;

import dev.kestrel.server.cli.CreateApiKeyCommand;
import dev.kestrel.server.cli.CreateOrganizationCommand;
import dev.kestrel.server.cli.ListApiKeysCommand;
import dev.kestrel.server.cli.RevokeApiKeyCommand;
import dev.kestrel.server.cli.SetWebhookPepperCommand;
import dev.kestrel.server.cli.WorkerCommand;
import dev.kestrel.server.config.KestrelConfiguration;
import dev.kestrel.server.core.Organizations;
import dev.kestrel.server.engine.TemporalEngine;
import dev.kestrel.server.worker.Workers;
import dev.kestrel.store.Store;
import io.dropwizard.configuration.EnvironmentVariableSubstitutor;
import io.dropwizard.configuration.SubstitutingSourceProvider;
import io.dropwizard.core.Application;
import io.dropwizard.core.server.AbstractServerFactory;
import io.dropwizard.core.setup.Bootstrap;
import io.dropwizard.core.setup.Environment;
import io.dropwizard.db.ManagedDataSource;
import io.dropwizard.jdbi3.JdbiFactory;
import java.nio.file.Files;

/**
 * The runnable. {@code server}: the public API and, by default, a worker in the same process;
 * {@code worker}: a worker alone; plus operator commands for organizations and keys.
 */
public class KestrelApplication extends Application<KestrelConfiguration> {

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
    install(config, env);
  }

  /** Wires this process from its configuration and returns what it started. */
  protected final Installation install(KestrelConfiguration config, Environment env) throws Exception {
    // Our mappers answer every error as {"detail": ...}; Dropwizard's would not.
    ((AbstractServerFactory) config.getServerFactory()).setRegisterDefaultExceptionMappers(false);
    Files.createDirectories(config.dataDir());
    Store store = openStore(config, env);
    Organizations organizations = new Organizations(store.organizations(), store.apiKeys());
    if (config.bootstrap().apiKey() != null) {
      organizations.ensureKey(config.bootstrap().organization(), config.bootstrap().apiKey());
    }
    TemporalEngine engine = TemporalEngine.install(config.temporal(), env);
    Workers workers = config.worker().enabled() ? Workers.install(config, env, store, engine) : null;
    if (config.apiEnabled()) {
      PublicApi.install(config, env, store, engine);
    }
    return new Installation(store, engine, organizations, workers);
  }

  /** The store on the configured database (migrated), with Dropwizard's pool, metrics and health check. */
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
