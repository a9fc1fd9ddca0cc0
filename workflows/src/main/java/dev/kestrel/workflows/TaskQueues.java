package dev.kestrel.workflows;

/** Task queue names shared by the client that starts runs and the workers that execute them. */
public final class TaskQueues {
  private TaskQueues() {}

  /** Run workflows (and their local activities): any worker may take them. */
  public static final String RUNS = "kestrel-runs";

  /** Opening a browser session: any worker with a free browser slot may take it. */
  public static final String BROWSER = "kestrel-browser";

  /** Each worker also polls a queue of its own, where the steps of the sessions it holds go. */
  public static String worker(String workerId) {
    return "kestrel-worker-" + workerId;
  }
}
