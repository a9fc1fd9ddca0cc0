package dev.kestrel.workflows;

/** Task queue names shared by the client that starts runs and the workers that execute them. */
public final class TaskQueues {
  private TaskQueues() {}

  /** Run workflows and session opening: any worker with a free browser slot may take them. */
  public static final String RUNS = "kestrel-runs";

  /** Each worker also polls a queue of its own, where the steps of the sessions it holds go. */
  public static String worker(String workerId) {
    return "kestrel-worker-" + workerId;
  }
}
