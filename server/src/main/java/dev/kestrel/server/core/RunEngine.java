package dev.kestrel.server.core;

import dev.kestrel.workflows.InputAnswer;
import dev.kestrel.workflows.RunInput;

/**
 * What the run lifecycle needs of the workflow engine: one workflow per run, keyed by the run id.
 */
public interface RunEngine {

  /** Starts the run's workflow; a second start of the same run is a no-op. */
  void start(RunInput input) throws EngineUnavailable;

  /** Asks the run's workflow to cancel; a workflow that has closed meanwhile is left as it is. */
  void cancel(String runId) throws EngineUnavailable;

  /**
   * Hands an answer to the input step the run waits for; returns once the run's row shows the wait
   * over.
   *
   * @throws InputRefused when the run does not wait for it, or its values do not fit
   */
  void submitInput(String runId, InputAnswer answer) throws EngineUnavailable;

  /** Whether the engine has the run's workflow, running or closed. */
  boolean knows(String runId) throws EngineUnavailable;
}
