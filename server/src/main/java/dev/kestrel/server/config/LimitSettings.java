package dev.kestrel.server.config;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.kestrel.store.Store;
import jakarta.validation.constraints.Min;

/** Bounds that keep one client or one run from exhausting the service. */
public class LimitSettings {
  @JsonProperty @Min(1024) private int maxRequestBytes = 1024 * 1024;
  @JsonProperty @Min(10) private int maxLogEntriesPerRun = 1000;
  @JsonProperty @Min(100) private int maxLogMessageChars = 2000;
  @JsonProperty @Min(1) private int maxStepsPerTask = 200;
  @JsonProperty @Min(1) private int maxRunTimeoutSeconds = 24 * 3600;

  /** What the store bounds per run. */
  public Store.Limits store() {
    return new Store.Limits(maxLogEntriesPerRun, maxLogMessageChars);
  }

  public int maxRequestBytes() {
    return maxRequestBytes;
  }

  public int maxLogEntriesPerRun() {
    return maxLogEntriesPerRun;
  }

  public int maxLogMessageChars() {
    return maxLogMessageChars;
  }

  public int maxStepsPerTask() {
    return maxStepsPerTask;
  }

  public int maxRunTimeoutSeconds() {
    return maxRunTimeoutSeconds;
  }
}
