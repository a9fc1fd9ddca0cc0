package dev.kestrel.server.config;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.kestrel.engine.Env;
import dev.kestrel.engine.TemporalSettings;
import io.dropwizard.core.Configuration;
import io.dropwizard.core.server.DefaultServerFactory;
import io.dropwizard.db.DataSourceFactory;
import io.dropwizard.jetty.HttpConnectorFactory;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.NotNull;
import java.nio.file.Path;
import java.util.List;

/**
 * The whole configuration. Every field has a default that makes up the durable local default (no
 * file; the Temporal CLI runs the engine); {@code KESTREL_HTTP_PORT}, {@code KESTREL_ADMIN_PORT}
 * and {@code KESTREL_DATA_DIR} set the ports and the data folder. A YAML file overrides any of it,
 * with {@code ${VAR}} substitution from the environment.
 */
public class KestrelConfiguration extends Configuration {

  @JsonProperty @NotEmpty private String dataDir = Env.get("KESTREL_DATA_DIR", "./data");

  /**
   * Base URL clients reach this API at; makes {@code logsUrl} absolute. Organizations may override
   * it.
   */
  @JsonProperty private String publicUrl = Env.get("KESTREL_PUBLIC_URL", null);

  /**
   * The keys that seal browser state at rest ({@code id:base64,...}, the first sealing); absent, a
   * key file made in the data folder. Every process of an installation needs the same keys.
   */
  @JsonProperty private String sealingKeys = Env.get("KESTREL_SEALING_KEYS", null);

  /** The store; absent means an H2 database in {@code <dataDir>/db}. */
  @JsonProperty @Valid private DataSourceFactory database;

  @JsonProperty @Valid @NotNull private TemporalSettings temporal = new TemporalSettings();

  @JsonProperty @Valid @NotNull private WorkerSettings worker = new WorkerSettings();

  @JsonProperty @Valid @NotNull private EgressSettings egress = new EgressSettings();

  @JsonProperty @Valid @NotNull private LimitSettings limits = new LimitSettings();

  @JsonProperty @Valid @NotNull private WebhookSettings webhooks = new WebhookSettings();

  @JsonProperty @Valid @NotNull private ArtifactSettings artifacts = new ArtifactSettings();

  @JsonProperty @Valid @NotNull private ProfileSettings profiles = new ProfileSettings();

  @JsonProperty @Valid @NotNull private BootstrapSettings bootstrap = new BootstrapSettings();

  /** How often runs accepted but never started (a crash in between) are started. */
  @JsonProperty
  @Min(1)
  private int reconcileIntervalSeconds = 15;

  /** False in the {@code worker} command: no public API, only the worker and the admin port. */
  @JsonIgnore private boolean apiEnabled = true;

  public KestrelConfiguration() {
    DefaultServerFactory server = new DefaultServerFactory();
    server.setApplicationConnectors(List.of(http(Env.getInt("KESTREL_HTTP_PORT", 8080), null)));
    // The admin port serves thread dumps, metrics and tasks to whoever reaches it: this host only,
    // unless KESTREL_ADMIN_HOST (or a configuration file) says otherwise.
    server.setAdminConnectors(
        List.of(
            http(
                Env.getInt("KESTREL_ADMIN_PORT", 8081),
                Env.get("KESTREL_ADMIN_HOST", "127.0.0.1"))));
    setServerFactory(server);
  }

  private static HttpConnectorFactory http(int port, String bindHost) {
    HttpConnectorFactory connector = new HttpConnectorFactory();
    connector.setPort(port);
    connector.setBindHost(bindHost);
    return connector;
  }

  public Path dataDir() {
    return Path.of(dataDir).toAbsolutePath().normalize();
  }

  public KestrelConfiguration dataDir(Path dir) {
    this.dataDir = dir.toString();
    return this;
  }

  public String sealingKeys() {
    return sealingKeys;
  }

  public String publicUrl() {
    return publicUrl == null || publicUrl.isBlank() ? null : publicUrl;
  }

  /** The configured store, or the embedded H2 database under the data folder. */
  public DataSourceFactory database() {
    if (database == null) {
      database = new DataSourceFactory();
      database.setDriverClass("org.h2.Driver");
      // AUTO_SERVER lets operator commands reach the database while the server holds it open.
      // WRITE_DELAY=0 writes each commit to the file at once: with H2's default delay, a SIGKILL
      // of the server lost the last half second of accepted runs and recorded deliveries.
      database.setUrl(
          "jdbc:h2:file:"
              + dataDir().resolve("db").resolve("kestrel")
              + ";MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;AUTO_SERVER=TRUE;WRITE_DELAY=0");
      database.setUser("sa");
      database.setPassword("");
      database.setValidationQuery("SELECT 1");
    }
    return database;
  }

  public TemporalSettings temporal() {
    return temporal;
  }

  public WorkerSettings worker() {
    return worker;
  }

  public EgressSettings egress() {
    return egress;
  }

  public LimitSettings limits() {
    return limits;
  }

  public ProfileSettings profiles() {
    return profiles;
  }

  public ArtifactSettings artifacts() {
    return artifacts;
  }

  public WebhookSettings webhooks() {
    return webhooks;
  }

  public BootstrapSettings bootstrap() {
    return bootstrap;
  }

  public int reconcileIntervalSeconds() {
    return reconcileIntervalSeconds;
  }

  public boolean apiEnabled() {
    return apiEnabled;
  }

  public KestrelConfiguration apiEnabled(boolean apiEnabled) {
    this.apiEnabled = apiEnabled;
    return this;
  }
}
