package dev.kestrel.server.config;

import com.fasterxml.jackson.annotation.JsonProperty;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.NotNull;

/** Where the workflow engine is: in this process (embedded) or a Temporal cluster (external). */
public class TemporalSettings {
  public enum Mode {
    EMBEDDED,
    EXTERNAL
  }

  @JsonProperty @NotNull private Mode mode = Mode.EMBEDDED;

  /** host:port of the Temporal frontend, in external mode. */
  @JsonProperty @NotEmpty private String target = "127.0.0.1:7233";

  @JsonProperty @NotEmpty private String namespace = "default";

  /** Port of the embedded engine's gRPC endpoint; 0 picks a free one. */
  @JsonProperty @Min(0) @Max(65535) private int embeddedPort = 0;

  /** How long a POST waits for the engine before answering 503. */
  @JsonProperty @Min(1) private int startTimeoutSeconds = 5;

  /** How long a GET waits for a live-state query before answering from the store. */
  @JsonProperty @Min(1) private int queryTimeoutSeconds = 2;

  /** mTLS to the frontend (self-hosted with TLS, or Temporal Cloud with certificates): PEM files. */
  @JsonProperty private String tlsClientCertPath;

  @JsonProperty private String tlsClientKeyPath;

  /** A CA to trust instead of the system's (self-signed clusters). */
  @JsonProperty private String tlsServerRootCaPath;

  /** Temporal Cloud API key (implies TLS); from {@code KOMOS_TEMPORAL_API_KEY} by default. */
  @JsonProperty private String apiKey = Env.get("KOMOS_TEMPORAL_API_KEY", null);

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

  public int embeddedPort() {
    return embeddedPort;
  }

  public int startTimeoutSeconds() {
    return startTimeoutSeconds;
  }

  public int queryTimeoutSeconds() {
    return queryTimeoutSeconds;
  }
}
