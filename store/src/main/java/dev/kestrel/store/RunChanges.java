package dev.kestrel.store;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * Tells this process's listeners that a run's row or log changed, as the recorder writes it, so
 * that waiting requests wake on the write instead of polling. Listeners must not block. Writes
 * made by another process are found by the listeners' own periodic check.
 */
public final class RunChanges {
  private final List<Consumer<String>> listeners = new CopyOnWriteArrayList<>();

  public void subscribe(Consumer<String> listener) {
    listeners.add(listener);
  }

  void changed(String runId) {
    for (Consumer<String> listener : listeners) {
      listener.accept(runId);
    }
  }
}
