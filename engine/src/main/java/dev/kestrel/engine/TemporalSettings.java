package dev.kestrel.engine;

import com.fasterxml.jackson.annotation.JsonAlias;
import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.NotNull;
import java.util.Locale;

/**
 * Where the workflow engine is. {@code LOCAL} (the default): a Temporal dev server this process
 * starts and supervises, its SQLite database and UI under the data folder's control; durable.
 * {@code EXTERNAL}: a Temporal cluster or Temporal Cloud. {@code IN_MEMORY}: Temporal's test server
 * inside this process, for tests; nothing in it survives the process.
 */
public class TemporalSettings {
  public enum Mode {
    LOCAL,
    EXTERNAL,
    IN_MEMORY;

    /**
     * {@code EMBEDDED}, the in-memory engine's name before LOCAL existed, still reads as IN_MEMORY.
     */
    @JsonCreator
    public static Mode parse(String value) {
      String name = value == null ? "" : value.trim().toUpperCase(Locale.ROOT);
      if (name.equals("EMBEDDED")) {
        return IN_MEMORY;
      }
      for (Mode mode : values()) {
        if (mode.name().equals(name)) {
          return mode;
        }
      }
      throw new IllegalArgumentException(
          "temporal.mode must be LOCAL, EXTERNAL or IN_MEMORY, not '" + value + "'");
    }
  }

  @JsonProperty @NotNull private Mode mode = Mode.LOCAL;

  /** host:port of the Temporal frontend, in external mode. */
  @JsonProperty @NotEmpty private String target = "127.0.0.1:7233";

  @JsonProperty @NotEmpty private String namespace = "default";

  /** The managed dev server of the LOCAL mode. */
  @JsonProperty @Valid @NotNull private LocalServerSettings local = new LocalServerSettings();

  /** Port of the in-memory engine's gRPC endpoint; 0 picks a free one. */
  @JsonProperty
  @JsonAlias("embeddedPort")
  @Min(0)
  @Max(65535)
  private int inMemoryPort = 0;

  /** How long a POST waits for the engine before answering 503. */
  @JsonProperty
  @Min(1)
  private int startTimeoutSeconds = 5;

  /** How long a GET waits for a live-state query before answering from the store. */
  @JsonProperty
  @Min(1)
  private int queryTimeoutSeconds = 2;

  /**
   * mTLS to the frontend (self-hosted with TLS, or Temporal Cloud with certificates): PEM files.
   */
  @JsonProperty private String tlsClientCertPath;

  @JsonProperty private String tlsClientKeyPath;

  /** A CA to trust instead of the system's (self-signed clusters). */
  @JsonProperty private String tlsServerRootCaPath;

  /** Temporal Cloud API key (implies TLS); from {@code KESTREL_TEMPORAL_API_KEY} by default. */
  @JsonProperty private String apiKey = Env.get("KESTREL_TEMPORAL_API_KEY", null);

  public String tlsClientCertPath() {
    return tlsClientCertPath;
  }

  public String tlsClientKeyPath() {
    return tlsClientKeyPath;
  }

  public String tlsServerRootCaPath() {
    return tlsServerRootCaPath;
  }

  public String apiKey() {
    return apiKey == null || apiKey.isBlank() ? null : apiKey;
  }

  public Mode mode() {
    return mode;
  }

  public String target() {
    return target;
  }

  public String namespace() {
    return namespace;
  }

  public int inMemoryPort() {
    return inMemoryPort;
  }

  public LocalServerSettings local() {
    return local;
  }

  public TemporalSettings mode(Mode mode) {
    this.mode = mode;
    return this;
  }

  public TemporalSettings target(String target) {
    this.target = target;
    return this;
  }

  public int startTimeoutSeconds() {
    return startTimeoutSeconds;
  }

  public int queryTimeoutSeconds() {
    return queryTimeoutSeconds;
  }
}
