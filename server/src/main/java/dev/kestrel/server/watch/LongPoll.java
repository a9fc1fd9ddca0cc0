package dev.kestrel.server.watch;

import dev.kestrel.model.api.Envelopes.RunBody;
import dev.kestrel.model.api.Run;
import dev.kestrel.server.core.RunService;
import dev.kestrel.store.records.Organization;
import java.io.IOException;
import org.glassfish.jersey.server.ChunkedOutput;

/**
 * One {@code waitForFinish}: a chunked 200 whose JSON comes when the run ends or the wait is over,
 * preceded by a space every {@link #HEARTBEAT_MILLIS} (leading whitespace is valid JSON). Those
 * writes are how a client that went away is noticed and its place freed within seconds; HTTP/1.1
 * gives a server no other sign while it is not reading.
 */
final class LongPoll {
  static final long HEARTBEAT_MILLIS = 2_000;

  private final RunService runs;
  private final RunWatch watches;
  private final RunWaits waits;
  private final Organization org;
  private final String runId;
  private RunWatch.Watch watch;
  private final ChunkedOutput<String> output =
      new ChunkedOutput<>(String.class, "") {
        @Override
        protected void onClose(Exception failure) {
          watch.close(); // Also when the client went away: its place is free at once.
        }
      };

  LongPoll(RunService runs, RunWatch watches, RunWaits waits, Organization org, String runId) {
    this.runs = runs;
    this.watches = watches;
    this.waits = waits;
    this.org = org;
    this.runId = runId;
  }

  ChunkedOutput<String> output() {
    return output;
  }

  void start(long waitMillis) {
    watch = watches.watch(org, runId, this::onChange);
    watch.every(HEARTBEAT_MILLIS, () -> write(" "));
    watch.after(
        waitMillis,
        () -> {
          try {
            answer(runs.get(org, runId));
          } finally {
            closeQuietly();
          }
        });
    watch.poke(); // A change between the read and the watch is not missed.
  }

  private void onChange() {
    Run run;
    try {
      run = runs.stored(org, runId);
    } catch (RuntimeException storeDown) {
      watch.close();
      closeQuietly(); // The client sees a cut answer and asks again; nothing waits forever.
      throw storeDown;
    }
    if (run.status().isTerminal()) {
      answer(run);
    }
  }

  private void closeQuietly() {
    try {
      output.close();
    } catch (IOException gone) {
      // Already gone.
    }
  }

  private void answer(Run run) {
    write(waits.json(new RunBody(run)));
    watch.close();
    closeQuietly();
  }

  private void write(String chunk) {
    try {
      output.write(chunk);
    } catch (IOException | IllegalStateException gone) {
      watch.close();
    }
  }
}
