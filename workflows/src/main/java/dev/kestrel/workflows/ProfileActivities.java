package dev.kestrel.workflows;

import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityMethod;

/**
 * Keeps a run's browser state as its profile's next version (SPEC 12), from the checkpoint the run
 * kept after its last step: in the store, which every worker reaches, so no browser is needed. Run
 * as a local activity; a retry of one save finds the version it made.
 */
@ActivityInterface
public interface ProfileActivities {

  /**
   * The version the run's state was saved as, or null when the profile was deleted meanwhile or the
   * state is no longer there.
   */
  @ActivityMethod
  Saved saveProfile(SaveRequest request);

  /** {@code checkpoint}: the run's state after its last completed step. */
  record SaveRequest(
      String runId, RunInput.ProfileUse profile, BrowserActivities.Checkpoint checkpoint) {}

  /**
   * The version made, and the one current before it (newer than the run's own if another run saved
   * meanwhile).
   */
  record Saved(int version, int previous) {}
}
