package dev.kestrel.server.config;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.kestrel.model.TraceMode;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import java.time.Duration;

/**
 * Files runs produce (screenshots, Playwright traces): the default trace mode, a cap per run, how
 * long they are kept.
 */
public class ArtifactSettings {
  /**
   * For runs whose request and task say nothing: {@code off}, {@code on-failure} (every session is
   * recorded, a failed one's trace kept) or {@code always}. Off by default: recording costs a
   * completed run about 17 % of its time and 15 % of its CPU (BENCHMARKS.md, row 8), which every
   * run would pay for the few that fail.
   */
  @JsonProperty @NotNull private TraceMode trace = TraceMode.OFF;

  /**
   * A run's files together; a trace that would take it over is not kept (the run's log says so).
   */
  @JsonProperty
  @Min(1024)
  private long maxRunBytes = 100L * 1024 * 1024;

  /** Files of runs that ended longer ago than this are deleted; live runs' never. */
  @JsonProperty
  @Min(1)
  private int retentionDays = 30;

  @JsonProperty
  @Min(1)
  private int cleanupIntervalMinutes = 60;

  public TraceMode trace() {
    return trace;
  }

  public ArtifactSettings trace(TraceMode mode) {
    this.trace = mode;
    return this;
  }

  public long maxRunBytes() {
    return maxRunBytes;
  }

  public ArtifactSettings maxRunBytes(long bytes) {
    this.maxRunBytes = bytes;
    return this;
  }

  public Duration retention() {
    return Duration.ofDays(retentionDays);
  }

  public Duration cleanupInterval() {
    return Duration.ofMinutes(cleanupIntervalMinutes);
  }
}
