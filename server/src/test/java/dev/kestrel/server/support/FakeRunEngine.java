package dev.kestrel.server.support;

import dev.kestrel.server.core.EngineUnavailable;
import dev.kestrel.server.core.RunEngine;
import dev.kestrel.workflows.RunInput;
import dev.kestrel.workflows.RunState;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/** An engine that remembers what it was asked, answers live states it was given, and can be down. */
public final class FakeRunEngine implements RunEngine {
  public final List<RunInput> started = new CopyOnWriteArrayList<>();
  public final List<String> cancelled = new CopyOnWriteArrayList<>();
  public final Map<String, RunState> live = new ConcurrentHashMap<>();
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

  /** Runs this engine was started with, as a fresh in-memory engine would know them. */
  @Override
  public boolean knows(String runId) {
    failIfDown();
    return started.stream().anyMatch(s -> s.runId().equals(runId));
  }

  @Override
  public Optional<RunState> liveState(String runId) {
    return down ? Optional.empty() : Optional.ofNullable(live.get(runId));
  }

  private void failIfDown() {
    if (down) {
      throw new EngineUnavailable(new IllegalStateException("the fake engine is down"));
    }
  }
}
