package dev.kestrel.server.core;

import dev.kestrel.model.LogLevel;
import dev.kestrel.model.RunError;
import dev.kestrel.store.db.RunDao;
import dev.kestrel.store.db.RunLogDao;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds runs that the store holds as unfinished but whose workflow the engine does not know, and
 * starts them again from their recorded input. The in-memory engine loses every workflow with its
 * process; a durable engine loses none, so there this finds nothing. Either way no accepted run
 * stays PENDING or RUNNING forever.
 */
public final class RunRecovery {
  private static final Logger LOG = LoggerFactory.getLogger(RunRecovery.class);
  private static final int PAGE = 100;

  private final RunDao runs;
  private final RunLogDao logs;
  private final RunEngine engine;

  public RunRecovery(RunDao runs, RunLogDao logs, RunEngine engine) {
    this.runs = runs;
    this.logs = logs;
    this.engine = engine;
  }

  /** Starts again every lost run; returns how many. Stops at the first engine failure (thrown). */
  public int recover() {
    int recovered = 0;
    long after = 0;
    while (true) {
      List<RunDao.Unfinished> page = runs.unfinished(after, PAGE);
      for (RunDao.Unfinished run : page) {
        after = run.seq();
        if (engine.knows(run.runId())) {
          continue;
        }
        if (run.input() == null) {
          String why =
              "The workflow engine lost this run and its input was not kept, so it cannot run again";
          if (runs.fail(
              run.runId(),
              new RunError(RunError.ENGINE_LOST, why, null),
              System.currentTimeMillis())) {
            logs.append(run.runId(), LogLevel.ERROR, why, null);
          }
          continue;
        }
        logs.append(
            run.runId(),
            LogLevel.WARNING,
            "The workflow engine no longer knows this run (an in-memory engine loses its runs when the server "
                + "stops); it runs again from step 1",
            null);
        engine.start(run.input());
        LOG.info("Started run {} again: the engine had lost it", run.runId());
        recovered++;
      }
      if (page.size() < PAGE) {
        return recovered;
      }
    }
  }
}
