package dev.kestrel.server.config;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.kestrel.store.Store;
import dev.kestrel.workflows.RunInput;
import jakarta.validation.constraints.Min;

/** Bounds that keep one client or one run from exhausting the service. */
public class LimitSettings {
  @JsonProperty
  @Min(1024)
  private int maxRequestBytes = 1024 * 1024;

  @JsonProperty
  @Min(10)
  private int maxLogEntriesPerRun = 1000;

  @JsonProperty
  @Min(100)
  private int maxLogMessageChars = 2000;

  @JsonProperty
  @Min(1)
  private int maxStepsPerTask = 200;

  @JsonProperty
  @Min(1)
  private int maxRunTimeoutSeconds = 24 * 3600;

  /**
   * The most steps one run executes, loops included (SPEC 11); beyond, the run fails with {@code
   * step_limit}. Also the most items a forEach and rounds a repeat may ask for.
   */
  @JsonProperty
  @Min(1)
  private int maxStepExecutionsPerRun = RunInput.ExecutionSettings.DEFAULT_MAX_STEP_EXECUTIONS;

  /**
   * The largest single output of a step, as JSON; a step over it fails the run (output_too_large).
   */
  @JsonProperty
  @Min(1024)
  private long maxOutputBytes = 256 * 1024;

  /** The largest total of a run's outputs, as JSON; beyond it the run fails (output_too_large). */
  @JsonProperty
  @Min(1024)
  private long maxRunOutputBytes = 1024 * 1024;

  /**
   * The largest browser state kept as a checkpoint after a step (before sealing); a step whose
   * state is larger logs that the run cannot resume past it.
   */
  @JsonProperty
  @Min(64 * 1024)
  private int maxCheckpointBytes = 5 * 1024 * 1024;

  /**
   * The largest file an upload step puts in a page (SPEC 11: 5 MiB at most), sent with a task or as
   * a file input. Requests that may carry one (saving a task, queueing or retrying a run) may be
   * larger than {@code maxRequestBytes} by its base64 text.
   */
  @JsonProperty
  @Min(1)
  @jakarta.validation.constraints.Max(dev.kestrel.server.core.FileValue.MAX_BYTES)
  private long maxUploadBytes = dev.kestrel.server.core.FileValue.MAX_BYTES;

  /** Upstream proxies one organization may have (SPEC 12). */
  @JsonProperty
  @Min(1)
  private int maxProxiesPerOrganization = 50;

  /** Open long polls ({@code waitForFinish}) and log streams one organization may hold at once. */
  @JsonProperty
  @Min(1)
  private int maxWaitingRequestsPerOrganization = 100;

  /**
   * Runs of one organization not yet ended (PENDING and RUNNING) at once; beyond, queueing is 429.
   */
  @JsonProperty
  @Min(1)
  private int maxActiveRunsPerOrganization = 500;

  /**
   * Sustained requests per second per organization (a burst of one second's worth passes); beyond,
   * 429.
   */
  @JsonProperty
  @Min(1)
  private int requestsPerSecondPerOrganization = 100;

  /** What the store bounds per run. */
  public Store.Limits store() {
    return new Store.Limits(maxLogEntriesPerRun, maxLogMessageChars);
  }

  public int maxRequestBytes() {
    return maxRequestBytes;
  }

  public int maxProxiesPerOrganization() {
    return maxProxiesPerOrganization;
  }

  public long maxUploadBytes() {
    return maxUploadBytes;
  }

  /** The largest body of a request that may carry a file: a request's, and the file as base64. */
  public long maxFileRequestBytes() {
    return maxRequestBytes + (maxUploadBytes + 2) / 3 * 4;
  }

  public LimitSettings maxLogEntriesPerRun(int entries) {
    this.maxLogEntriesPerRun = entries;
    return this;
  }

  public int maxLogEntriesPerRun() {
    return maxLogEntriesPerRun;
  }

  public int maxLogMessageChars() {
    return maxLogMessageChars;
  }

  public int maxStepExecutionsPerRun() {
    return maxStepExecutionsPerRun;
  }

  public int maxStepsPerTask() {
    return maxStepsPerTask;
  }

  public int maxRunTimeoutSeconds() {
    return maxRunTimeoutSeconds;
  }

  public int maxCheckpointBytes() {
    return maxCheckpointBytes;
  }

  public long maxOutputBytes() {
    return maxOutputBytes;
  }

  public long maxRunOutputBytes() {
    return maxRunOutputBytes;
  }

  public int maxWaitingRequestsPerOrganization() {
    return maxWaitingRequestsPerOrganization;
  }

  public int maxActiveRunsPerOrganization() {
    return maxActiveRunsPerOrganization;
  }

  public int requestsPerSecondPerOrganization() {
    return requestsPerSecondPerOrganization;
  }

  public LimitSettings maxCheckpointBytes(int bytes) {
    this.maxCheckpointBytes = bytes;
    return this;
  }

  public LimitSettings outputCaps(long perOutput, long perRun) {
    this.maxOutputBytes = perOutput;
    this.maxRunOutputBytes = perRun;
    return this;
  }

  /** For tests and operators who set caps in code. */
  public LimitSettings fairShare(int maxWaiting, int maxActiveRuns, int requestsPerSecond) {
    this.maxWaitingRequestsPerOrganization = maxWaiting;
    this.maxActiveRunsPerOrganization = maxActiveRuns;
    this.requestsPerSecondPerOrganization = requestsPerSecond;
    return this;
  }
}
