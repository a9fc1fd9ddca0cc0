package dev.kestrel.store;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Tells this process's listeners that a run's row or log changed, as the recorder writes it, so
 * that waiting requests wake on the write instead of polling. Listeners must not block. Writes made
 * by another process are found by the listeners' own periodic check.
 */
public final class RunChanges {
  /** What changed: a waiter for a run's end sleeps through a dozen log lines and steps. */
  public enum Change {
    /** New log entries only. */
    LOG,
    /** The row: status RUNNING, the current step, the outputs so far. */
    PROGRESS,
    /** The row reached a terminal status. */
    END
  }

  public interface Listener {
    void changed(String runId, Change change);
  }

  private final List<Listener> listeners = new CopyOnWriteArrayList<>();

  public void subscribe(Listener listener) {
    listeners.add(listener);
  }

  void changed(String runId, Change change) {
    for (Listener listener : listeners) {
      listener.changed(runId, change);
    }
  }
}
