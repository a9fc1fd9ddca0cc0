package dev.kestrel.client;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.kestrel.model.TaskDefinition;
import dev.kestrel.model.WebhookEvent;
import dev.kestrel.model.api.Envelopes.ProfileBody;
import dev.kestrel.model.api.Envelopes.ProfileList;
import dev.kestrel.model.api.Envelopes.ProfileVersionList;
import dev.kestrel.model.api.Envelopes.ProxyBody;
import dev.kestrel.model.api.Envelopes.ProxyList;
import dev.kestrel.model.api.Envelopes.RunBody;
import dev.kestrel.model.api.Envelopes.RunList;
import dev.kestrel.model.api.Envelopes.RunLogs;
import dev.kestrel.model.api.Envelopes.RunPage;
import dev.kestrel.model.api.Envelopes.TaskBody;
import dev.kestrel.model.api.Envelopes.TaskList;
import dev.kestrel.model.api.Envelopes.WebhookAttemptList;
import dev.kestrel.model.api.Envelopes.WebhookEndpointCreated;
import dev.kestrel.model.api.Envelopes.WebhookEndpointList;
import dev.kestrel.model.api.LogEntry;
import dev.kestrel.model.api.Profile;
import dev.kestrel.model.api.ProfileVersion;
import dev.kestrel.model.api.Proxy;
import dev.kestrel.model.api.Run;
import dev.kestrel.model.api.Task;
import dev.kestrel.model.api.WebhookAttempt;
import dev.kestrel.model.api.WebhookEndpoint;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * A client of Kestrel's public API, which is the Komos public API plus extensions (tasks, webhook
 * endpoints, long waits, log streams). Thread-safe; make one per server and key, and share it.
 *
 * <pre>{@code
 * KestrelClient kestrel = KestrelClient.builder(URI.create("http://127.0.0.1:8080"), System.getenv("KESTREL_API_KEY")).build();
 * QueuedRun queued = kestrel.queueRun(taskId, RunRequest.withInputs(Map.of("url", url)).clientRequestId("order-48219"));
 * Run run = kestrel.awaitEnd(queued.run().id(), Duration.ofMinutes(5));
 * }</pre>
 *
 * <p>Errors: an answer with an error status is a {@link KestrelApiException} carrying the status
 * and {@code detail}; no answer is a {@link KestrelException}. A {@code 503} (the engine was
 * unreachable, nothing was accepted) is retried after its {@code Retry-After}; a connection error
 * is retried only for calls that are safe to repeat (reads, updates, deletes, cancels, and queue
 * requests with a {@code clientRequestId}), with exponential backoff.
 */
public final class KestrelClient {
  private static final String API = "/public/v1";

  private final HttpClient http;
  private final URI base;
  private final String apiKey;
  private final Duration requestTimeout;
  private final int maxRetries;
  private final Duration maxRetryWait;
  private final Consumer<Exchange> observer;
  private final ObjectMapper json;

  private KestrelClient(Builder b) {
    this.http =
        b.http != null
            ? b.http
            : HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(b.connectTimeout)
                .build();
    String url = b.base.toString();
    this.base = URI.create(url.endsWith("/") ? url.substring(0, url.length() - 1) : url);
    this.apiKey = b.apiKey;
    this.requestTimeout = b.requestTimeout;
    this.maxRetries = b.maxRetries;
    this.maxRetryWait = b.maxRetryWait;
    this.observer = b.observer;
    // Answers may gain fields in later versions of the API: a client reads what it knows.
    this.json =
        JsonMapper.builder().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).build();
  }

  /**
   * {@code baseUrl} is the server's root ({@code http://host:8080}); {@code apiKey} is {@code
   * sk_live_...}.
   */
  public static Builder builder(URI baseUrl, String apiKey) {
    return new Builder(baseUrl, apiKey);
  }

  public static final class Builder {
    private final URI base;
    private final String apiKey;
    private HttpClient http;
    private Duration connectTimeout = Duration.ofSeconds(5);
    private Duration requestTimeout = Duration.ofSeconds(30);
    private int maxRetries = 3;
    private Duration maxRetryWait = Duration.ofSeconds(30);
    private Consumer<Exchange> observer = exchange -> {};

    private Builder(URI base, String apiKey) {
      this.base = Objects.requireNonNull(base, "baseUrl");
      this.apiKey = Objects.requireNonNull(apiKey, "apiKey");
    }

    /** Default 5 s; ignored when {@link #httpClient} is given. */
    public Builder connectTimeout(Duration value) {
      this.connectTimeout = value;
      return this;
    }

    /** How long one request may take (default 30 s); a long wait adds its own wait to it. */
    public Builder requestTimeout(Duration value) {
      this.requestTimeout = value;
      return this;
    }

    /** Retries of one call after a 503 or a connection error (default 3; 0 turns retries off). */
    public Builder maxRetries(int value) {
      this.maxRetries = value;
      return this;
    }

    /** The longest a retry waits, whatever {@code Retry-After} says (default 30 s). */
    public Builder maxRetryWait(Duration value) {
      this.maxRetryWait = value;
      return this;
    }

    /** Your own JDK client (proxy, TLS, executor). */
    public Builder httpClient(HttpClient value) {
      this.http = value;
      return this;
    }

    /** Called with every answer, also those that are retried or become exceptions. */
    public Builder observer(Consumer<Exchange> value) {
      this.observer = Objects.requireNonNull(value);
      return this;
    }

    public KestrelClient build() {
      return new KestrelClient(this);
    }
  }

  // ---- Runs (Komos's five operations, and the extensions on them) ----

  /** Queues a run with the task's default inputs. */
  public QueuedRun queueRun(String taskId) {
    return queueRun(taskId, RunRequest.defaults());
  }

  /**
   * Queues a run: 202 and a new {@code PENDING} run, or, for a {@code clientRequestId} this task
   * already has a run for, that run with {@link QueuedRun#wasReplayed()}.
   */
  public QueuedRun queueRun(String taskId, RunRequest request) {
    boolean idempotent = request.clientRequestId() != null;
    Answer answer =
        call("POST", API + "/tasks/" + path(taskId) + "/runs", request, idempotent, requestTimeout);
    return new QueuedRun(answer.read(RunBody.class).run(), answer.status() == 200);
  }

  /** The run with its live status, progress and outputs. */
  public Run getRun(String runId) {
    return get(API + "/task-runs/" + path(runId), RunBody.class).run();
  }

  /**
   * The run once it has ended, or as it is after {@code atMost} (at most 60 s, the server's bound):
   * one {@code waitForFinish} request, which holds no thread on the server.
   */
  public Run waitForFinish(String runId, Duration atMost) {
    long seconds = Math.max(1, Math.min(60, atMost.toSeconds()));
    Answer answer =
        call(
            "GET",
            API + "/task-runs/" + path(runId) + "?waitForFinish=" + seconds,
            null,
            true,
            requestTimeout.plusSeconds(seconds));
    return answer.read(RunBody.class).run();
  }

  /**
   * Waits as long as {@code atMost} for the run to end, in {@code waitForFinish} requests of up to
   * 60 s each, and returns it as it is then: check {@code run.status().isTerminal()}.
   */
  public Run awaitEnd(String runId, Duration atMost) {
    long deadline = System.nanoTime() + atMost.toNanos();
    while (true) {
      long left = deadline - System.nanoTime();
      Run run =
          left < Duration.ofSeconds(1).toNanos()
              ? getRun(runId)
              : waitForFinish(runId, Duration.ofNanos(left));
      if (run.status().isTerminal() || System.nanoTime() - deadline >= 0) {
        return run;
      }
    }
  }

  /**
   * Extension (SPEC 10): waits as long as {@code atMost} for the run to wait for input, and returns
   * it as it is then: its {@code waitingFor} is set, or it ended, or the time is up. Polls the run,
   * every 250 ms at first and at most every 2 s.
   */
  public Run awaitWaiting(String runId, Duration atMost) {
    long deadline = System.nanoTime() + atMost.toNanos();
    long pause = 250;
    while (true) {
      Run run = getRun(runId);
      if (run.waitingFor() != null
          || run.status().isTerminal()
          || System.nanoTime() - deadline >= 0) {
        return run;
      }
      try {
        Thread.sleep(Math.min(pause, Math.max(1, (deadline - System.nanoTime()) / 1_000_000)));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return run;
      }
      pause = Math.min(2_000, pause * 2);
    }
  }

  /**
   * Extension (SPEC 10): answers the input step {@code stepId} the run waits for with {@code
   * values} (by field name); returns the run once it has taken them. Sent again after a connection
   * error, the same values answer the same. A value that does not fit is a 400 naming it; a run
   * that does not wait for the step is a 409 {@code not_waiting}.
   */
  public Run submitInput(String runId, String stepId, Map<String, ?> values) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("stepId", stepId);
    body.put("values", values);
    return call("POST", API + "/task-runs/" + path(runId) + "/input", body, true, requestTimeout)
        .read(RunBody.class)
        .run();
  }

  /** The 50 most recent runs of the task, newest first. */
  public List<Run> taskRuns(String taskId) {
    return get(API + "/tasks/" + path(taskId) + "/runs", RunList.class).runs();
  }

  /**
   * The organization's runs, newest first; follow {@code nextCursor} with {@link RunQuery#cursor}.
   */
  public RunPage listRuns(RunQuery query) {
    Map<String, Object> params = new LinkedHashMap<>();
    params.put("status", query.status());
    params.put("taskId", query.taskId());
    params.put("limit", query.limit());
    params.put("cursor", query.cursor());
    return get(API + "/task-runs" + queryString(params), RunPage.class);
  }

  /** The run's log entries in ascending time order. */
  public List<LogEntry> logs(String runId) {
    return logs(runId, null);
  }

  /** The entries after {@code afterEntryId} (null: all). */
  public List<LogEntry> logs(String runId, String afterEntryId) {
    return get(
            API
                + "/task-runs/"
                + path(runId)
                + "/logs"
                + queryString(singletonParam("after", afterEntryId)),
            RunLogs.class)
        .logEntries();
  }

  /**
   * Follows the run on one server-sent-event stream until it has ended: each log entry as it is
   * stored, and the run whenever its status or step changes (the terminal one last). A dropped
   * connection is resumed after the last entry received. Close the stream to stop early.
   */
  public Stream<RunEvent> followRun(String runId, String afterEntryId) {
    LogStream stream = new LogStream(this, runId, afterEntryId);
    return stream.stream();
  }

  /** {@link #followRun} with a listener; returns when the run has ended. */
  public void followRun(String runId, String afterEntryId, Consumer<RunEvent> listener) {
    try (Stream<RunEvent> events = followRun(runId, afterEntryId)) {
      events.forEach(listener);
    }
  }

  /**
   * Cancels the run; the answer reflects its latest state (a terminal run comes back unchanged).
   */
  public Run cancel(String runId, String reason) {
    Map<String, Object> body = reason == null ? Map.of() : Map.of("reason", reason);
    return call("POST", API + "/task-runs/" + path(runId) + "/cancel", body, true, requestTimeout)
        .read(RunBody.class)
        .run();
  }

  /**
   * Extension: retries a FAILED or CANCELLED run as a new run, from a step, restored from the
   * original's checkpoint (a 200 repeat of a {@code clientRequestId} is {@link
   * QueuedRun#wasReplayed()}); repeated after a connection error only with a {@code
   * clientRequestId}.
   */
  public QueuedRun retry(String runId, RetryRequest request) {
    boolean idempotent = request.clientRequestId() != null;
    Answer answer =
        call(
            "POST",
            API + "/task-runs/" + path(runId) + "/retry",
            request,
            idempotent,
            requestTimeout);
    return new QueuedRun(answer.read(RunBody.class).run(), answer.status() == 200);
  }

  /** A file the run produced, by the name in its outputs ({@code <stepId>.png}). */
  public byte[] artifact(String runId, String name) {
    return call(
            "GET",
            API + "/task-runs/" + path(runId) + "/artifacts/" + path(name),
            null,
            true,
            requestTimeout)
        .bytes();
  }

  /**
   * A PNG of the run's page as it is now, while it is RUNNING ({@code 409 run_holds_no_page}
   * otherwise).
   */
  public byte[] screenshot(String runId) {
    return call(
            "GET", API + "/task-runs/" + path(runId) + "/screenshot", null, true, requestTimeout)
        .bytes();
  }

  // ---- Tasks ----

  public Task createTask(TaskDefinition definition) {
    return call("POST", API + "/tasks", definition, false, requestTimeout)
        .read(TaskBody.class)
        .task();
  }

  /**
   * A task from its JSON definition, e.g. one kept in a file ({@code "status": "DRAFT"} is only
   * here).
   */
  public Task createTask(String definitionJson) {
    return call("POST", API + "/tasks", new RawJson(definitionJson), false, requestTimeout)
        .read(TaskBody.class)
        .task();
  }

  public Task getTask(String taskId) {
    return get(API + "/tasks/" + path(taskId), TaskBody.class).task();
  }

  /** A new version; runs already queued keep theirs. */
  public Task updateTask(String taskId, TaskDefinition definition) {
    return call("PUT", API + "/tasks/" + path(taskId), definition, true, requestTimeout)
        .read(TaskBody.class)
        .task();
  }

  public Task updateTask(String taskId, String definitionJson) {
    return call(
            "PUT",
            API + "/tasks/" + path(taskId),
            new RawJson(definitionJson),
            true,
            requestTimeout)
        .read(TaskBody.class)
        .task();
  }

  public void deleteTask(String taskId) {
    call("DELETE", API + "/tasks/" + path(taskId), null, true, requestTimeout);
  }

  public TaskList listTasks(TaskQuery query) {
    Map<String, Object> params = new LinkedHashMap<>();
    params.put("limit", query.limit());
    params.put("offset", query.offset());
    params.put("search", query.search());
    params.put("status", query.status());
    return get(API + "/tasks" + queryString(params), TaskList.class);
  }

  /** Fires the task's schedule once now. */
  public Task triggerSchedule(String taskId) {
    return call(
            "POST",
            API + "/tasks/" + path(taskId) + "/schedule/trigger",
            null,
            false,
            requestTimeout)
        .read(TaskBody.class)
        .task();
  }

  public Task pauseSchedule(String taskId, String note) {
    return call(
            "POST",
            API + "/tasks/" + path(taskId) + "/schedule/pause",
            noteBody(note),
            true,
            requestTimeout)
        .read(TaskBody.class)
        .task();
  }

  public Task unpauseSchedule(String taskId, String note) {
    return call(
            "POST",
            API + "/tasks/" + path(taskId) + "/schedule/unpause",
            noteBody(note),
            true,
            requestTimeout)
        .read(TaskBody.class)
        .task();
  }

  // ---- Browser profiles (extension, SPEC 12) ----

  /** An empty profile (version 0); a run that names it saves its first version. */
  public Profile createProfile(String name) {
    return call("POST", API + "/profiles", Map.of("name", name), false, requestTimeout)
        .read(ProfileBody.class)
        .profile();
  }

  public List<Profile> profiles() {
    return get(API + "/profiles", ProfileList.class).profiles();
  }

  public Profile getProfile(String profileId) {
    return get(API + "/profiles/" + path(profileId), ProfileBody.class).profile();
  }

  /** The versions kept, newest first. */
  public List<ProfileVersion> profileVersions(String profileId) {
    return get(API + "/profiles/" + path(profileId) + "/versions", ProfileVersionList.class)
        .versions();
  }

  /** Makes a kept version current again (as the next version). */
  public Profile rollbackProfile(String profileId, int version) {
    return call(
            "POST",
            API + "/profiles/" + path(profileId) + "/rollback",
            Map.of("version", version),
            true,
            requestTimeout)
        .read(ProfileBody.class)
        .profile();
  }

  /**
   * Imports a Playwright storageState (what {@code BrowserContext.storageState()} returns: a login
   * made elsewhere) as the next version. It can never be read back.
   */
  public Profile importProfileState(String profileId, String storageStateJson) {
    return call(
            "PUT",
            API + "/profiles/" + path(profileId) + "/state",
            new RawJson(storageStateJson),
            true,
            requestTimeout)
        .read(ProfileBody.class)
        .profile();
  }

  public void deleteProfile(String profileId) {
    call("DELETE", API + "/profiles/" + path(profileId), null, true, requestTimeout);
  }

  // ---- Upstream proxies (extension, SPEC 12) ----

  /**
   * An upstream proxy ({@code server}: {@code http://host:port}); {@code username} and {@code
   * password} may be null. The password is written here and never read back.
   */
  public Proxy createProxy(String name, String server, String username, String password) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("name", name);
    body.put("server", server);
    if (username != null) {
      body.put("username", username);
    }
    if (password != null) {
      body.put("password", password);
    }
    return call("POST", API + "/proxies", body, false, requestTimeout)
        .read(ProxyBody.class)
        .proxy();
  }

  public List<Proxy> proxies() {
    return get(API + "/proxies", ProxyList.class).proxies();
  }

  public void deleteProxy(String proxyId) {
    call("DELETE", API + "/proxies/" + path(proxyId), null, true, requestTimeout);
  }

  // ---- Webhook endpoints ----

  /**
   * Subscribes {@code url}; empty {@code events} means every event, null {@code taskId} every task.
   * The secret is in this answer only.
   */
  public WebhookEndpointCreated createWebhookEndpoint(
      String url, List<WebhookEvent> events, String taskId) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("url", url);
    if (events != null && !events.isEmpty()) {
      body.put("events", events);
    }
    if (taskId != null) {
      body.put("taskId", taskId);
    }
    return call("POST", API + "/webhook-endpoints", body, false, requestTimeout)
        .read(WebhookEndpointCreated.class);
  }

  public List<WebhookEndpoint> webhookEndpoints() {
    return get(API + "/webhook-endpoints", WebhookEndpointList.class).endpoints();
  }

  public void deleteWebhookEndpoint(String endpointId) {
    call("DELETE", API + "/webhook-endpoints/" + path(endpointId), null, true, requestTimeout);
  }

  /**
   * Every attempt to deliver to the endpoint, newest first; {@code runId} (or null) narrows them to
   * one run.
   */
  public List<WebhookAttempt> webhookDeliveries(String endpointId, String runId) {
    return get(
            API
                + "/webhook-endpoints/"
                + path(endpointId)
                + "/deliveries"
                + queryString(singletonParam("runId", runId)),
            WebhookAttemptList.class)
        .deliveries();
  }

  // ---- Transport ----

  /** A request body that is JSON text already. */
  private record RawJson(String text) {}

  record Answer(int status, HttpHeaders headers, byte[] body, ObjectMapper json) {
    <T> T read(Class<T> type) {
      try {
        return json.readValue(body, type);
      } catch (IOException e) {
        throw new KestrelException(
            "the answer is not a " + type.getSimpleName() + ": " + e.getMessage(), e);
      }
    }

    byte[] bytes() {
      return body;
    }
  }

  private <T> T get(String pathAndQuery, Class<T> type) {
    return call("GET", pathAndQuery, null, true, requestTimeout).read(type);
  }

  /** One call with its retries; an error status becomes a {@link KestrelApiException}. */
  Answer call(
      String method, String pathAndQuery, Object body, boolean idempotent, Duration timeout) {
    HttpRequest request = request(method, pathAndQuery, body, timeout, Map.of());
    for (int attempt = 0; ; attempt++) {
      HttpResponse<byte[]> response;
      try {
        response = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
      } catch (HttpTimeoutException e) {
        throw new KestrelException(
            method + " " + pathAndQuery + " got no answer within " + timeout, e);
      } catch (IOException e) {
        if (!idempotent || attempt >= maxRetries) {
          throw new KestrelException(method + " " + pathAndQuery + " failed: " + e, e);
        }
        pause(backoff(attempt));
        continue;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new KestrelException(method + " " + pathAndQuery + " was interrupted", e);
      }
      observe(request, response.statusCode(), response.headers(), response.body());
      if (response.statusCode() == 503 && attempt < maxRetries) {
        Duration asked = retryAfter(response.headers());
        pause(asked == null ? backoff(attempt) : asked);
        continue;
      }
      if (response.statusCode() >= 400) {
        throw error(
            method + " " + pathAndQuery,
            response.statusCode(),
            response.headers(),
            response.body());
      }
      return new Answer(response.statusCode(), response.headers(), response.body(), json);
    }
  }

  HttpRequest request(
      String method,
      String pathAndQuery,
      Object body,
      Duration timeout,
      Map<String, String> headers) {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(base + pathAndQuery))
            .timeout(timeout)
            .header("Authorization", "Bearer " + apiKey)
            .header("User-Agent", "kestrel-java-client");
    headers.forEach(b::header);
    if (body == null) {
      b.method(method, HttpRequest.BodyPublishers.noBody());
    } else {
      b.header("Content-Type", "application/json")
          .method(method, HttpRequest.BodyPublishers.ofByteArray(write(body)));
    }
    return b.build();
  }

  private byte[] write(Object body) {
    if (body instanceof RawJson raw) {
      return raw.text().getBytes(StandardCharsets.UTF_8);
    }
    try {
      return json.writeValueAsBytes(body);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("not serializable as JSON: " + e.getMessage(), e);
    }
  }

  void observe(HttpRequest request, int status, HttpHeaders headers, byte[] body) {
    String type = headers.firstValue("Content-Type").orElse("");
    String text =
        body != null && type.startsWith("application/json")
            ? new String(body, StandardCharsets.UTF_8)
            : null;
    observer.accept(new Exchange(request.method(), request.uri(), status, headers, text));
  }

  KestrelApiException error(String request, int status, HttpHeaders headers, byte[] body) {
    JsonNode detail = null;
    try {
      JsonNode tree = body == null || body.length == 0 ? null : json.readTree(body);
      detail = tree == null ? null : tree.get("detail");
    } catch (IOException notJson) {
      // An answer of a proxy in between, not the API's: the status says what is known.
    }
    return new KestrelApiException(
        request,
        status,
        detail,
        retryAfter(headers),
        headers.firstValue("X-Kestrel-Error-Id").orElse(null));
  }

  ObjectMapper json() {
    return json;
  }

  HttpClient http() {
    return http;
  }

  int maxRetries() {
    return maxRetries;
  }

  Duration requestTimeout() {
    return requestTimeout;
  }

  private Duration retryAfter(HttpHeaders headers) {
    return headers
        .firstValue("Retry-After")
        .flatMap(KestrelClient::seconds)
        .map(d -> min(d, maxRetryWait))
        .orElse(null);
  }

  private static java.util.Optional<Duration> seconds(String value) {
    try {
      return java.util.Optional.of(Duration.ofSeconds(Long.parseLong(value.trim())));
    } catch (NumberFormatException httpDate) {
      return java.util.Optional.empty();
    }
  }

  /** 200 ms, 400 ms, 800 ms, ... up to the retry wait's cap. */
  Duration backoff(int attempt) {
    return min(Duration.ofMillis(200L << Math.min(attempt, 16)), maxRetryWait);
  }

  private static Duration min(Duration a, Duration b) {
    return a.compareTo(b) <= 0 ? a : b;
  }

  static void pause(Duration d) {
    try {
      Thread.sleep(d.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new KestrelException("interrupted while waiting to retry", e);
    }
  }

  private static Map<String, Object> noteBody(String note) {
    return note == null ? Map.of() : Map.of("note", note);
  }

  private static Map<String, Object> singletonParam(String name, Object value) {
    Map<String, Object> params = new LinkedHashMap<>();
    params.put(name, value);
    return params;
  }

  static String queryString(Map<String, Object> params) {
    StringBuilder q = new StringBuilder();
    params.forEach(
        (name, value) -> {
          if (value != null) {
            q.append(q.length() == 0 ? '?' : '&')
                .append(name)
                .append('=')
                .append(URLEncoder.encode(String.valueOf(value), StandardCharsets.UTF_8));
          }
        });
    return q.toString();
  }

  /** A path segment: ids are UUIDs, but an artifact name is the caller's. */
  private static String path(String segment) {
    return URLEncoder.encode(Objects.requireNonNull(segment), StandardCharsets.UTF_8)
        .replace("+", "%20");
  }
}
