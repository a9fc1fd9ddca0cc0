package dev.kestrel.activities.profile;

import dev.kestrel.activities.browser.BrowserState;
import dev.kestrel.store.Checkpoints;
import dev.kestrel.store.Profiles;
import dev.kestrel.store.records.ProfileRecord;
import dev.kestrel.workflows.BrowserActivities.Checkpoint;
import dev.kestrel.workflows.ProfileActivities;
import dev.kestrel.workflows.RunInput;
import java.util.Optional;

/**
 * Saves a run's last checkpoint as its profile's next version: the state is opened from the run's
 * checkpoint and sealed again for the profile, in the store, on the workflow's worker.
 */
public final class ProfileActivitiesImpl implements ProfileActivities {
  private final Checkpoints checkpoints;
  private final Profiles profiles;

  public ProfileActivitiesImpl(Checkpoints checkpoints, Profiles profiles) {
    this.checkpoints = checkpoints;
    this.profiles = profiles;
  }

  @Override
  public Saved saveProfile(SaveRequest request) {
    RunInput.ProfileUse use = request.profile();
    // A retry of this activity finds the version its first attempt made.
    Optional<Saved> before =
        profiles
            .rows()
            .savedBy(use.profileId(), request.runId())
            .map(a -> new Saved(a.version(), a.previous()));
    if (before.isPresent()) {
      return before.get();
    }
    Optional<ProfileRecord> profile = profiles.rows().findById(use.profileId());
    if (profile.isEmpty()) {
      return null;
    }
    Checkpoint kept = request.checkpoint();
    byte[] state;
    try {
      state =
          checkpoints.restore(
              kept.ofRun() != null ? kept.ofRun() : request.runId(), kept.row(), kept.digest());
    } catch (Checkpoints.CheckpointUnavailable gone) {
      return null;
    }
    return profiles
        .add(
            profile.get(),
            BrowserState.withoutPage(state),
            Profiles.FROM_RUN,
            use.version(),
            request.runId())
        .map(a -> new Saved(a.version(), a.previous()))
        .orElse(null);
  }
}
