package dev.kestrel.server.core;

import java.util.List;

/**
 * A retry would run once-steps that completed in the original run again (an order, a message): a
 * person names them in {@code confirm} first. Answered 409 with the steps.
 */
public final class ConfirmRequired extends RuntimeException {
  private final List<String> steps;

  public ConfirmRequired(List<String> steps) {
    super("confirm_required", null, false, false);
    this.steps = List.copyOf(steps);
  }

  public List<String> steps() {
    return steps;
  }
}
