package dev.kestrel.workflows;

import dev.kestrel.model.StepAction;
import dev.kestrel.model.StepSpec;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Where a run is in its steps, loops included (SPEC 11): one level for the task's steps, and one
 * more for each loop it is in, with the loop's round and, for a {@code forEach}, the items it reads
 * (fixed as the loop began). {@code executed}: how many steps ran before this point, loops
 * included, which orders positions across rounds. Immutable and small, so that the workflow keeps
 * one with each checkpoint and hands one to the execution it continues as.
 */
public record StepPosition(List<Level> levels, long executed) {

  /**
   * One level: the {@code index} of its step in its list; for a loop's level, the {@code round}
   * (from 0) of {@code rounds}, and a {@code forEach}'s {@code items} (null for a {@code repeat}).
   */
  public record Level(int index, int round, int rounds, List<Object> items) {}

  /** Before the task's first step. */
  public static StepPosition start() {
    return at(0);
  }

  /** Before the task's step {@code index} (from 0), outside any loop. */
  public static StepPosition at(int index) {
    return new StepPosition(List.of(new Level(index, 0, 1, null)), 0);
  }

  /** The task's step (from 0) the run is in: what its progress counts. */
  public int topIndex() {
    return levels.get(0).index();
  }

  /** Whether the run is inside a loop. */
  public boolean nested() {
    return levels.size() > 1;
  }

  /** The step at this position, or null at the end of its list (a loop's round, or the task). */
  public StepSpec step(List<StepSpec> task) {
    List<StepSpec> steps = stepsOf(task, levels.size() - 1);
    int index = last().index();
    return index < steps.size() ? steps.get(index) : null;
  }

  /** The loop step the innermost level belongs to; null outside loops. */
  public StepSpec loop(List<StepSpec> task) {
    if (!nested()) {
      return null;
    }
    return stepsOf(task, levels.size() - 2).get(levels.get(levels.size() - 2).index());
  }

  private List<StepSpec> stepsOf(List<StepSpec> task, int depth) {
    List<StepSpec> steps = task;
    for (int d = 0; d < depth; d++) {
      steps = steps.get(levels.get(d).index()).steps();
    }
    return steps;
  }

  private Level last() {
    return levels.get(levels.size() - 1);
  }

  private StepPosition withLast(Level level, long executed) {
    List<Level> next = new ArrayList<>(levels);
    next.set(next.size() - 1, level);
    return new StepPosition(List.copyOf(next), executed);
  }

  /** Past the step here, which ran ({@code counted}) or was passed over. */
  public StepPosition next(boolean counted) {
    Level l = last();
    return withLast(
        new Level(l.index() + 1, l.round(), l.rounds(), l.items()), executed + (counted ? 1 : 0));
  }

  /** Into the loop step here: its first round of {@code rounds}, reading {@code items}. */
  public StepPosition enter(int rounds, List<Object> items) {
    List<Level> next = new ArrayList<>(levels);
    next.add(new Level(0, 0, rounds, items == null ? null : List.copyOf(items)));
    return new StepPosition(List.copyOf(next), executed);
  }

  /** Whether the innermost loop has a round after this one. */
  public boolean hasNextRound() {
    return nested() && last().round() + 1 < last().rounds();
  }

  /** The innermost loop's next round, from its first step. */
  public StepPosition nextRound() {
    Level l = last();
    return withLast(new Level(0, l.round() + 1, l.rounds(), l.items()), executed);
  }

  /** Out of the innermost loop (its rounds are over, or a {@code break}), past its step. */
  public StepPosition exit() {
    List<Level> next = new ArrayList<>(levels.subList(0, levels.size() - 1));
    StepPosition out = new StepPosition(List.copyOf(next), executed);
    return out.next(false);
  }

  /**
   * The loop variables the step here sees: each enclosing {@code forEach}'s item by its name, and
   * {@code loop} for the innermost loop ({@code {{loop.index}}} from 1).
   */
  public Map<String, Object> scope(List<StepSpec> task) {
    if (!nested()) {
      return Map.of();
    }
    Map<String, Object> scope = new LinkedHashMap<>();
    for (int d = 1; d < levels.size(); d++) {
      Level level = levels.get(d);
      StepSpec loop = stepsOf(task, d - 1).get(levels.get(d - 1).index());
      if (loop.action() == StepAction.FOR_EACH && level.items() != null) {
        scope.put(loop.itemName(), level.items().get(level.round()));
      }
      if (d == levels.size() - 1) {
        scope.put(
            Templates.LOOP,
            Map.of(
                "index", level.round() + 1, "count", level.rounds(), "first", level.round() == 0));
      }
    }
    return scope;
  }

  /**
   * The nested step here as the log and the Temporal UI name it: {@code each 7/15 › details}, or
   * {@code round 3 › next} in a {@code repeat}; null outside loops.
   */
  public String place(List<StepSpec> task, String stepId) {
    if (!nested()) {
      return null;
    }
    StringBuilder place = new StringBuilder();
    for (int d = 1; d < levels.size(); d++) {
      Level level = levels.get(d);
      StepSpec loop = stepsOf(task, d - 1).get(levels.get(d - 1).index());
      place
          .append(loop.action() == StepAction.FOR_EACH ? "each " : "round ")
          .append(level.round() + 1);
      if (loop.action() == StepAction.FOR_EACH) {
        place.append('/').append(level.rounds());
      }
      place.append(" › ");
    }
    return place.append(stepId).toString();
  }
}
