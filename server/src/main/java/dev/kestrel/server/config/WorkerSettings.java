package dev.kestrel.server.config;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.kestrel.activities.browser.BrowserSettings;
import dev.kestrel.activities.egress.EgressPolicy;
import dev.kestrel.engine.Env;
import dev.kestrel.workflows.RunInput;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.NotNull;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** The worker that executes runs: in the server process by default, or alone ({@code worker}). */
public class WorkerSettings {
  /**
   * Whether the {@code server} command also runs a worker. The {@code worker} command always does.
   */
  @JsonProperty private boolean enabled = true;

  @JsonProperty
  @Min(1)
  @Max(64)
  private int browserSlots = 2;

  @JsonProperty @NotEmpty
  private String chromiumPath = Env.get("KESTREL_CHROMIUM", "/usr/bin/chromium");

  @JsonProperty private boolean headless = true;

  @JsonProperty @NotNull private List<String> chromiumArgs = new ArrayList<>();

  @JsonProperty
  @Min(1)
  private int slotWaitSeconds = 10;

  @JsonProperty
  @Min(0)
  private int cancelGraceSeconds = 3;

  @JsonProperty
  @Min(1)
  private int sessionIdleTimeoutSeconds = 600;

  /** A step that has not heartbeated for this long counts as lost with its worker. */
  @JsonProperty
  @Min(2)
  private int heartbeatTimeoutSeconds = 4;

  /** A step not picked up by its session's worker within this time counts as lost. */
  @JsonProperty
  @Min(1)
  private int stepScheduleToStartSeconds = 10;

  @JsonProperty
  @Min(1)
  @Max(10)
  private int maxSessionAttempts = 3;

  @JsonProperty
  @Min(1)
  private long defaultStepTimeoutMs = 30_000;

  /**
   * How long an input step keeps its browser session (and slot) while it waits for a person; after
   * that the page is kept as a checkpoint, the session closed, and the run resumes from it when the
   * answer comes (SPEC 10).
   */
  @JsonProperty
  @Min(1)
  private int holdForInputSeconds = RunInput.ExecutionSettings.DEFAULT_HOLD_FOR_INPUT_SECONDS;

  /**
   * How many history events a run's workflow execution reaches before it continues as new (a long
   * loop's run; Temporal stops an execution at 51,200).
   */
  @JsonProperty
  @Min(100)
  private int continueAsNewAfterEvents =
      RunInput.ExecutionSettings.DEFAULT_CONTINUE_AS_NEW_AFTER_EVENTS;

  public WorkerSettings continueAsNewAfterEvents(int events) {
    this.continueAsNewAfterEvents = events;
    return this;
  }

  public WorkerSettings slotWaitSeconds(int seconds) {
    this.slotWaitSeconds = seconds;
    return this;
  }

  public WorkerSettings holdForInputSeconds(int seconds) {
    this.holdForInputSeconds = seconds;
    return this;
  }

  /** On SIGTERM, how long the steps in progress may take to end before the browsers close. */
  @JsonProperty
  @Min(0)
  private int shutdownGraceSeconds = 10;

  /**
   * A slot's Chromium is closed and launched afresh, between two sessions, after this many: a
   * browser that served thousands of contexts keeps what they left behind (caches, leaked renderer
   * state, the driver's bookkeeping). Relaunching takes about a second, once per this many runs.
   */
  @JsonProperty
  @Min(1)
  private int recycleBrowserAfterSessions = 100;

  /**
   * ... or as soon as its processes' resident memory together is above this many MB once a session
   * closed (0: never for memory).
   */
  @JsonProperty
  @Min(0)
  private int recycleBrowserAboveMb = 1536;

  /**
   * The JavaScript heap one page's renderer may grow to before it dies of it (0: Chromium's own,
   * about 4 GB): the soak's page that allocates without end took 4 GB per slot without it.
   */
  @JsonProperty
  @Min(0)
  private int pageHeapLimitMb = 1024;

  /** How this process's browser slots are set up; {@code egress} bounds what pages may reach. */
  /** {@code maxRunArtifactBytes}: a run's files together (artifacts.maxRunBytes). */
  public BrowserSettings browser(EgressPolicy egress, long maxRunArtifactBytes) {
    return new BrowserSettings(
        chromiumPath,
        browserSlots,
        headless,
        chromiumArgs,
        egress,
        Duration.ofSeconds(slotWaitSeconds),
        Duration.ofSeconds(cancelGraceSeconds),
        Duration.ofSeconds(sessionIdleTimeoutSeconds),
        maxRunArtifactBytes,
        recycleBrowserAfterSessions,
        recycleBrowserAboveMb * 1024L * 1024L,
        pageHeapLimitMb);
  }

  /** What each run's workflow is started with and keeps for its lifetime (replay-safe). */
  public RunInput.ExecutionSettings execution() {
    return new RunInput.ExecutionSettings(
        heartbeatTimeoutSeconds,
        stepScheduleToStartSeconds,
        maxSessionAttempts,
        defaultStepTimeoutMs,
        RunInput.ExecutionSettings.DEFAULT_MAX_OUTPUT_BYTES,
        RunInput.ExecutionSettings.DEFAULT_MAX_RUN_OUTPUT_BYTES,
        dev.kestrel.model.TraceMode.OFF,
        dev.kestrel.model.ResumeMode.CHECKPOINT,
        holdForInputSeconds,
        RunInput.ExecutionSettings.DEFAULT_MAX_STEP_EXECUTIONS,
        continueAsNewAfterEvents);
  }

  public Duration shutdownGrace() {
    return Duration.ofSeconds(shutdownGraceSeconds);
  }

  public boolean enabled() {
    return enabled;
  }

  public WorkerSettings enabled(boolean enabled) {
    this.enabled = enabled;
    return this;
  }

  public int browserSlots() {
    return browserSlots;
  }

  public String chromiumPath() {
    return chromiumPath;
  }

  public WorkerSettings browserSlots(int slots) {
    this.browserSlots = slots;
    return this;
  }

  public WorkerSettings chromiumPath(String path) {
    this.chromiumPath = path;
    return this;
  }

  public boolean headless() {
    return headless;
  }

  public List<String> chromiumArgs() {
    return chromiumArgs;
  }

  public int slotWaitSeconds() {
    return slotWaitSeconds;
  }

  public int cancelGraceSeconds() {
    return cancelGraceSeconds;
  }

  public int sessionIdleTimeoutSeconds() {
    return sessionIdleTimeoutSeconds;
  }

  public int heartbeatTimeoutSeconds() {
    return heartbeatTimeoutSeconds;
  }

  public int stepScheduleToStartSeconds() {
    return stepScheduleToStartSeconds;
  }

  public int maxSessionAttempts() {
    return maxSessionAttempts;
  }

  public long defaultStepTimeoutMs() {
    return defaultStepTimeoutMs;
  }
}
