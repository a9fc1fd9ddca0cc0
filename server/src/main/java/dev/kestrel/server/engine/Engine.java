package dev.kestrel.server.engine;

import com.uber.m3.tally.Scope;
import dev.kestrel.engine.EngineSetup;
import dev.kestrel.engine.TemporalEngine;
import dev.kestrel.engine.TemporalSettings;
import dev.kestrel.server.config.KestrelConfiguration;
import dev.kestrel.server.health.TemporalHealthCheck;
import io.dropwizard.core.setup.Environment;
import io.dropwizard.lifecycle.Managed;

/** The workflow engine in this process's lifecycle. */
public final class Engine {
  private Engine() {}

  /**
   * Starts the engine for this process: connected (or running; a LOCAL one only by the {@code
   * server} command), its namespace and search attributes checked, closed with the process (a LOCAL
   * dev server last of all, as it was started first), and watched by a health check that names the
   * mode.
   */
  public static TemporalEngine install(
      KestrelConfiguration config, Environment env, Scope metricsScope) {
    TemporalSettings settings = config.temporal();
    TemporalEngine engine =
        TemporalEngine.start(settings, config.dataDir(), config.apiEnabled(), metricsScope);
    env.lifecycle()
        .manage(
            new Managed() {
              @Override
              public void stop() {
                engine.close();
              }
            });
    EngineSetup.ensure(engine.apiClient().getWorkflowServiceStubs(), settings.namespace());
    env.healthChecks()
        .register("temporal", new TemporalHealthCheck(engine.apiClient(), engine::describe));
    return engine;
  }

  /** The run lifecycle's view of the engine, for the API. */
  public static TemporalRunEngine runs(TemporalEngine engine) {
    return new TemporalRunEngine(engine.apiClient());
  }
}
