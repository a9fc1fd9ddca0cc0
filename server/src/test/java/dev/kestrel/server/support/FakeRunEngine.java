package dev.kestrel.server.support;

import dev.kestrel.server.core.EngineUnavailable;
import dev.kestrel.server.core.RunEngine;
import dev.kestrel.workflows.InputAnswer;
import dev.kestrel.workflows.RunInput;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** An engine that remembers what it was asked and can be down. */
public final class FakeRunEngine implements RunEngine {
  public final List<RunInput> started = new CopyOnWriteArrayList<>();
  public final List<String> cancelled = new CopyOnWriteArrayList<>();
  public volatile boolean down;

  @Override
  public void start(RunInput input) {
    failIfDown();
    if (started.stream().noneMatch(s -> s.runId().equals(input.runId()))) {
      started.add(input);
    }
  }

  @Override
  public void cancel(String runId) {
    failIfDown();
    cancelled.add(runId);
  }

  public final List<InputAnswer> answers = new CopyOnWriteArrayList<>();

  @Override
  public void submitInput(String runId, InputAnswer answer) {
    failIfDown();
    answers.add(answer);
  }

  /** Runs this engine was started with, as a fresh in-memory engine would know them. */
  @Override
  public boolean knows(String runId) {
    failIfDown();
    return started.stream().anyMatch(s -> s.runId().equals(runId));
  }

  private void failIfDown() {
    if (down) {
      throw new EngineUnavailable(new IllegalStateException("the fake engine is down"));
    }
  }
}
