package dev.kestrel.server.cli;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import com.codahale.metrics.MetricRegistry;
import com.fasterxml.jackson.core.type.TypeReference;
import dev.kestrel.engine.TemporalEngine;
import dev.kestrel.engine.TemporalSettings;
import dev.kestrel.model.TriggerType;
import dev.kestrel.model.api.Run;
import dev.kestrel.server.config.KestrelConfiguration;
import dev.kestrel.server.core.InvalidRequest;
import dev.kestrel.server.core.RunService;
import dev.kestrel.server.PublicApi;
import dev.kestrel.store.Store;
import dev.kestrel.store.records.Organization;
import dev.kestrel.store.records.TaskRecord;
import io.dropwizard.core.cli.ConfiguredCommand;
import io.dropwizard.core.setup.Bootstrap;
import io.dropwizard.db.ManagedDataSource;
import java.util.Map;
import net.sourceforge.argparse4j.inf.Namespace;
import net.sourceforge.argparse4j.inf.Subparser;
import org.jdbi.v3.core.Jdbi;

/**
 * {@code run-task --task ID [--inputs JSON] [config.yml]}: queues a run with {@code triggerType:
 * "manual"} (Komos's dashboard button; here the operator's shell), under the organization's limits,
 * on the engine of the running server (LOCAL: the dev server it supervises; EXTERNAL: the cluster).
 */
public class RunTaskCommand extends ConfiguredCommand<KestrelConfiguration> {
  public RunTaskCommand() {
    super("run-task", "Queues a run of a task (triggerType manual)");
  }

  @Override
  public void configure(Subparser subparser) {
    super.configure(subparser);
    subparser.addArgument("--task").required(true).help("the task's id");
    subparser.addArgument("--inputs").help("the run's inputs as a JSON object; the task's defaults otherwise");
  }

  @Override
  protected void run(Bootstrap<KestrelConfiguration> bootstrap, Namespace ns, KestrelConfiguration config) throws Exception {
    if (config.temporal().mode() == TemporalSettings.Mode.IN_MEMORY) {
      throw new IllegalArgumentException(
          "run-task needs the engine of a running server; temporal.mode IN_MEMORY has none outside the server's process");
    }
    Map<String, Object> inputs =
        ns.getString("inputs") == null
            ? null
            : bootstrap.getObjectMapper().readValue(ns.getString("inputs"), new TypeReference<Map<String, Object>>() {});
    ManagedDataSource dataSource = config.database().build(new MetricRegistry(), "cli");
    TemporalEngine engine = TemporalEngine.start(config.temporal(), config.dataDir(), false);
    try {
      Store store =
          Store.open(dataSource, Jdbi.create(dataSource), bootstrap.getObjectMapper(), config.limits().store(),
              config.dataDir().resolve("artifacts"));
      TaskRecord task =
          store.tasks().findById(ns.getString("task")).orElseThrow(() -> new IllegalArgumentException("no task " + ns.getString("task")));
      Organization org = store.organizations().findById(task.organizationId()).orElseThrow();
      // A one-shot process: its count of the run accepted goes nowhere; the server's workflows count the rest.
      RunService runs =
          PublicApi.runService(config, bootstrap.getObjectMapper(), store, engine, new SimpleMeterRegistry());
      Run run;
      try {
        run = runs.queueTriggered(org, task.id(), TriggerType.MANUAL, inputs);
      } catch (InvalidRequest e) {
        throw new IllegalArgumentException("the run was refused: " + e.detail());
      }
      System.out.println("run " + run.id() + " of task \"" + task.definition().name() + "\" queued (triggerType manual)");
    } finally {
      engine.close();
      dataSource.stop();
    }
  }

  /** An operator's mistake (unknown task, inputs the task refuses) is one line, not a stack trace. */
  @Override
  public void onError(io.dropwizard.core.cli.Cli cli, Namespace namespace, Throwable e) {
    if (e instanceof IllegalArgumentException || e instanceof com.fasterxml.jackson.core.JsonProcessingException) {
      cli.getStdErr().println("error: " + e.getMessage());
    } else {
      super.onError(cli, namespace, e);
    }
  }
}
