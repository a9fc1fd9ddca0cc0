package dev.kestrel.server.config;

import com.fasterxml.jackson.annotation.JsonProperty;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;

/** Browser profiles (SPEC 12): how many versions each keeps, and how large and many they may be. */
public class ProfileSettings {
  /** The newest versions a profile keeps; older ones are deleted as new ones are saved. */
  @JsonProperty
  @Min(1)
  @Max(100)
  private int keepVersions = 5;

  /** The largest state one version may hold, as its JSON (cookies and storage). */
  @JsonProperty
  @Min(1024)
  private int maxStateBytes = 5 * 1024 * 1024;

  /** Profiles one organization may have. */
  @JsonProperty
  @Min(1)
  private int maxPerOrganization = 100;

  public int keepVersions() {
    return keepVersions;
  }

  public int maxStateBytes() {
    return maxStateBytes;
  }

  public int maxPerOrganization() {
    return maxPerOrganization;
  }
}
