package dev.kestrel.store;

import dev.kestrel.store.db.ProfileDao;
import dev.kestrel.store.records.ProfileRecord;
import java.util.Optional;

/**
 * Browser profiles' states (SPEC 12), sealed ({@link Sealer}, bound to the profile and the version)
 * with the keys that seal checkpoints. A state is put in (a run's save, an import, a rollback) and
 * taken out only by a worker opening a run's browser: never through the API.
 */
public final class Profiles {
  /** Where a version came from. */
  public static final String FROM_RUN = "run";

  public static final String FROM_IMPORT = "import";
  public static final String FROM_ROLLBACK = "rollback";

  private final ProfileDao dao;
  private final Sealer sealer;
  private final int keepVersions;

  public Profiles(ProfileDao dao, Sealer sealer, int keepVersions) {
    this.dao = dao;
    this.sealer = sealer;
    this.keepVersions = keepVersions;
  }

  /** The rows, for what needs no state. */
  public ProfileDao rows() {
    return dao;
  }

  /**
   * Keeps {@code state} as the profile's next version, current from now; empty when the profile is
   * gone. {@code basedOn}: the version the run that saved it started from (or the version a
   * rollback restores).
   */
  public Optional<ProfileDao.Added> add(
      ProfileRecord profile, byte[] state, String source, Integer basedOn, String runId) {
    return dao.addVersion(
        profile.organizationId(),
        profile.id(),
        version -> sealer.seal(state, boundTo(profile.id(), version)),
        state.length,
        source,
        basedOn,
        runId,
        keepVersions);
  }

  /**
   * The state of a version.
   *
   * @throws ProfileUnavailable when it is no longer kept, or cannot be opened
   */
  public byte[] open(String profileId, int version) {
    byte[] sealed =
        dao.sealed(profileId, version)
            .orElseThrow(
                () ->
                    new ProfileUnavailable(
                        "version " + version + " of the profile is no longer kept"));
    try {
      return sealer.open(sealed, boundTo(profileId, version));
    } catch (Sealer.SealedValueException e) {
      throw new ProfileUnavailable(
          "version " + version + " of the profile cannot be opened: " + e.getMessage());
    }
  }

  private static String boundTo(String profileId, int version) {
    return "profile/" + profileId + "/" + version;
  }

  /** A profile version a run cannot start from. */
  public static final class ProfileUnavailable extends RuntimeException {
    public ProfileUnavailable(String message) {
      super(message, null, false, false);
    }
  }
}
