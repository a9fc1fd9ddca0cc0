package dev.kestrel.store;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kestrel.store.db.ApiKeyDao;
import dev.kestrel.store.db.CheckpointDao;
import dev.kestrel.store.db.Database;
import dev.kestrel.store.db.JsonColumns;
import dev.kestrel.store.db.OrganizationDao;
import dev.kestrel.store.db.ProfileDao;
import dev.kestrel.store.db.ProxyDao;
import dev.kestrel.store.db.RunDao;
import dev.kestrel.store.db.RunLogDao;
import dev.kestrel.store.db.TaskDao;
import dev.kestrel.store.db.UploadFileDao;
import dev.kestrel.store.db.WebhookDao;
import java.nio.file.Path;
import javax.sql.DataSource;
import org.jdbi.v3.core.Jdbi;

/**
 * Everything that outlives a workflow, opened once per process: the database (migrated on open),
 * the artifacts folder, and the ports the workers write through.
 */
public final class Store {
  /** Bounds on what one run may write: log entries, and characters per message. */
  public record Limits(int maxLogEntriesPerRun, int maxLogMessageChars) {}

  private final RunChanges changes = new RunChanges();
  private final Jdbi jdbi;
  private final JsonColumns json;
  private final OrganizationDao organizations;
  private final ApiKeyDao apiKeys;
  private final TaskDao tasks;
  private final RunDao runs;
  private final RunLogDao logs;
  private final WebhookDao webhooks;
  private final ArtifactStore artifacts;
  private final CheckpointDao checkpoints;
  private final UploadFileDao uploadFiles;
  private final ProfileDao profiles;
  private final ProxyDao proxies;

  private Store(Jdbi jdbi, ObjectMapper mapper, Limits limits, Path artifactsDir) {
    this.jdbi = jdbi;
    this.json = new JsonColumns(mapper);
    this.organizations = new OrganizationDao(jdbi);
    this.apiKeys = new ApiKeyDao(jdbi);
    this.tasks = new TaskDao(jdbi, json);
    this.runs = new RunDao(jdbi, json);
    this.logs = new RunLogDao(jdbi, limits.maxLogEntriesPerRun(), limits.maxLogMessageChars());
    this.webhooks = new WebhookDao(jdbi, json);
    this.artifacts = new ArtifactStore(artifactsDir);
    this.checkpoints = new CheckpointDao(jdbi);
    this.uploadFiles = new UploadFileDao(jdbi);
    this.profiles = new ProfileDao(jdbi);
    this.proxies = new ProxyDao(jdbi);
  }

  /**
   * Migrates {@code dataSource} to the current schema, then opens the store on {@code jdbi} (built
   * on it).
   */
  public static Store open(
      DataSource dataSource, Jdbi jdbi, ObjectMapper mapper, Limits limits, Path artifactsDir) {
    Database.migrate(dataSource);
    return new Store(jdbi, mapper, limits, artifactsDir);
  }

  /** The run index as the workers write it. */
  public JdbiRunRecorder runRecorder() {
    return new JdbiRunRecorder(jdbi, runs, logs, checkpoints, changes);
  }

  /** Where this process's recorder says which runs changed. */
  public RunChanges changes() {
    return changes;
  }

  /**
   * Endpoints, deliveries and attempts as the webhook activities see them; a run's body carries its
   * input link, signed by {@code links}.
   */
  public WebhookStore webhookStore(String globalPublicUrl, InputLinks links) {
    return new JdbiWebhookStore(
        runs, logs, webhooks, organizations, json, globalPublicUrl, artifacts, links);
  }

  /**
   * Runs' browser checkpoints, sealed with {@code sealer}; a state over {@code maxBytes} is not
   * kept.
   */
  public Checkpoints checkpoints(Sealer sealer, int maxBytes) {
    return new Checkpoints(checkpoints, sealer, maxBytes);
  }

  /** The checkpoints' rows, for the retention sweep. */
  public CheckpointDao checkpointRows() {
    return checkpoints;
  }

  /** Upload steps' files of tasks and runs, sealed with {@code sealer}. */
  public UploadFiles uploadFiles(Sealer sealer) {
    return new UploadFiles(uploadFiles, sealer);
  }

  /** Browser profiles, their states sealed with {@code sealer}; the newest {@code keep} kept. */
  public Profiles profiles(Sealer sealer, int keepVersions) {
    return new Profiles(profiles, sealer, keepVersions);
  }

  /** Upstream proxies; their passwords sealed. */
  public ProxyDao proxies() {
    return proxies;
  }

  /** The profiles' rows, for what needs no state (which profile a run names). */
  public ProfileDao profileRows() {
    return profiles;
  }

  /** The upload files' rows, for the retention sweep. */
  public UploadFileDao uploadFileRows() {
    return uploadFiles;
  }

  public Jdbi jdbi() {
    return jdbi;
  }

  public OrganizationDao organizations() {
    return organizations;
  }

  public ApiKeyDao apiKeys() {
    return apiKeys;
  }

  public TaskDao tasks() {
    return tasks;
  }

  public RunDao runs() {
    return runs;
  }

  public RunLogDao logs() {
    return logs;
  }

  public WebhookDao webhooks() {
    return webhooks;
  }

  public ArtifactStore artifacts() {
    return artifacts;
  }
}
