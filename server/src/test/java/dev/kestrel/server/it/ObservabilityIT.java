package dev.kestrel.server.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kestrel.client.KestrelApiException;
import dev.kestrel.client.KestrelClient;
import dev.kestrel.model.RunStatus;
import dev.kestrel.model.WebhookEvent;
import dev.kestrel.server.config.KestrelConfiguration;
import dev.kestrel.server.core.Organizations;
import dev.kestrel.server.support.TestApps;
import dev.kestrel.server.support.WebhookReceiver;
import dev.kestrel.testkit.TestPages;
import io.dropwizard.testing.junit5.DropwizardAppExtension;
import io.dropwizard.testing.junit5.DropwizardExtensionsSupport;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The admin port: Prometheus text where runs of each outcome move Kestrel's counters by exactly
 * those runs and the Temporal SDK's own series are there for its dashboards; health checks that
 * answer in one line each.
 */
@ExtendWith(DropwizardExtensionsSupport.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ObservabilityIT {
  @RegisterExtension static final TestPages PAGES = new TestPages();
  @RegisterExtension static final WebhookReceiver RECEIVER = new WebhookReceiver();
  static final DropwizardAppExtension<KestrelConfiguration> APP =
      TestApps.app(config -> config.webhooks().pace(200, 1_000));

  /** One scrape: every series (name and labels) with its value. */
  record Scrape(String text, Map<String, Double> series) {
    private static final Pattern LINE =
        Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{(.*)})? (\\S+)$");
    private static final Pattern LABEL =
        Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"");

    static Scrape of(String text) {
      Map<String, Double> series = new HashMap<>();
      for (String line : text.split("\n")) {
        Matcher m = LINE.matcher(line);
        if (!line.startsWith("#") && m.matches()) {
          series.put(
              m.group(1) + "{" + (m.group(3) == null ? "" : m.group(3)) + "}",
              Double.parseDouble(m.group(4)));
        }
      }
      return new Scrape(text, series);
    }

    /** The sum over every series named {@code name} whose labels include {@code labels}. */
    double sum(String name, String... labels) {
      double total = 0;
      for (Map.Entry<String, Double> e : series.entrySet()) {
        String key = e.getKey();
        if (!key.startsWith(name + "{")) {
          continue;
        }
        Map<String, String> have = new HashMap<>();
        Matcher m = LABEL.matcher(key.substring(name.length()));
        while (m.find()) {
          have.put(m.group(1), m.group(2));
        }
        boolean all = true;
        for (int i = 0; i < labels.length; i += 2) {
          all &= labels[i + 1].equals(have.get(labels[i]));
        }
        if (all) {
          total += e.getValue();
        }
      }
      return total;
    }

    boolean has(String name) {
      return series.keySet().stream().anyMatch(k -> k.startsWith(name + "{"));
    }
  }

  static Scrape scrape() {
    try {
      HttpResponse<String> answer =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(
                          URI.create(
                              "http://127.0.0.1:" + APP.getAdminPort() + "/metrics/prometheus"))
                      .build(),
                  HttpResponse.BodyHandlers.ofString());
      assertThat(answer.statusCode()).isEqualTo(200);
      assertThat(answer.headers().firstValue("Content-Type").orElse(""))
          .startsWith("text/plain; version=0.0.4");
      return Scrape.of(answer.body());
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  @Test
  @Order(1)
  void runsOfEachOutcomeMoveTheCountersByExactlyThemAndTheSdksSeriesArePresent() {
    KestrelClient client = TestApps.client("http://127.0.0.1:" + APP.getLocalPort());
    String ok = TestApps.createOrderTask(client, "Counted, completes", PAGES.url("/order"), 1);
    String fails =
        client
            .createTask(
                """
        {"name": "Counted, fails", "steps": [
          {"id": "open", "action": "goto", "url": "%s"},
          {"id": "never", "action": "assert", "selector": "#status", "textContains": "Delivered", "timeoutMs": 500}
        ]}"""
                    .formatted(PAGES.url("/order")))
            .id();
    String waits =
        client
            .createTask(
                """
        {"name": "Counted, cancelled", "steps": [
          {"id": "open", "action": "goto", "url": "%s"},
          {"id": "wait", "action": "waitFor", "ms": 30000}
        ]}"""
                    .formatted(PAGES.url("/order")))
            .id();
    // The receiver refuses the first attempt: one failed attempt, then one delivered.
    RECEIVER.answer("/counted", 500);
    client.createWebhookEndpoint(RECEIVER.url("/counted"), List.of(WebhookEvent.COMPLETED), ok);
    Scrape before = scrape();

    String completed = client.queueRun(ok).run().id();
    String failed = client.queueRun(fails).run().id();
    String cancelled = client.queueRun(waits).run().id();
    TestApps.awaitStep(client, cancelled, 2, Duration.ofSeconds(60));
    client.cancel(cancelled, "counted");
    assertThat(client.awaitEnd(completed, Duration.ofSeconds(60)).status())
        .isEqualTo(RunStatus.COMPLETED);
    assertThat(client.awaitEnd(failed, Duration.ofSeconds(60)).status())
        .isEqualTo(RunStatus.FAILED);
    assertThat(client.awaitEnd(cancelled, Duration.ofSeconds(60)).status())
        .isEqualTo(RunStatus.CANCELLED);
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> RECEIVER.received("/counted", completed).size() == 2);

    // What the workflows count reaches the registry at the SDK scope's next report (2 s).
    await()
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(500))
        .untilAsserted(
            () -> {
              Scrape after = scrape();
              assertThat(delta(before, after, "kestrel_runs_accepted_total", "trigger", "api"))
                  .isEqualTo(3);
              assertThat(delta(before, after, "kestrel_runs_started_total")).isEqualTo(3);
              assertThat(
                      delta(
                          before,
                          after,
                          "kestrel_runs_ended_total",
                          "status",
                          "COMPLETED",
                          "error_code",
                          "none"))
                  .isEqualTo(1);
              assertThat(
                      delta(
                          before,
                          after,
                          "kestrel_runs_ended_total",
                          "status",
                          "FAILED",
                          "error_code",
                          "step_failed"))
                  .isEqualTo(1);
              assertThat(
                      delta(
                          before,
                          after,
                          "kestrel_runs_ended_total",
                          "status",
                          "CANCELLED",
                          "error_code",
                          "none"))
                  .isEqualTo(1);
              assertThat(delta(before, after, "kestrel_runs_ended_total")).isEqualTo(3);
              assertThat(delta(before, after, "kestrel_run_queue_wait_seconds_count")).isEqualTo(3);
              assertThat(
                      delta(
                          before,
                          after,
                          "kestrel_run_duration_seconds_count",
                          "status",
                          "COMPLETED"))
                  .isEqualTo(1);
              assertThat(delta(before, after, "kestrel_browser_sessions_opened_total"))
                  .isEqualTo(3);
              assertThat(delta(before, after, "kestrel_browser_sessions_lost_total")).isZero();
              // The order task's 5 steps, the failing task's goto and assert, the cancelled task's
              // goto.
              assertThat(
                      delta(
                          before,
                          after,
                          "kestrel_step_duration_seconds_count",
                          "outcome",
                          "completed"))
                  .isEqualTo(7);
              assertThat(
                      delta(
                          before,
                          after,
                          "kestrel_step_duration_seconds_count",
                          "action",
                          "assert",
                          "outcome",
                          "failed"))
                  .isEqualTo(1);
              assertThat(
                      delta(before, after, "kestrel_step_duration_seconds_count", "action", "goto"))
                  .isEqualTo(3);
              // Every step that ended wrote to the store; only completed ones kept their state.
              assertThat(delta(before, after, "kestrel_step_store_seconds_count"))
                  .isGreaterThanOrEqualTo(8);
              assertThat(delta(before, after, "kestrel_step_checkpoint_seconds_count"))
                  .isPositive()
                  .isLessThanOrEqualTo(7);
              assertThat(
                      delta(before, after, "kestrel_webhook_attempts_total", "outcome", "failed"))
                  .isEqualTo(1);
              assertThat(
                      delta(
                          before, after, "kestrel_webhook_attempts_total", "outcome", "delivered"))
                  .isEqualTo(1);
              assertThat(delta(before, after, "kestrel_webhook_delivery_latency_seconds_count"))
                  .isEqualTo(1);
              assertThat(delta(before, after, "kestrel_webhook_deliveries_given_up_total"))
                  .isZero();
            });
    Scrape after = scrape();
    assertThat(after.sum("kestrel_browser_slots"))
        .isEqualTo(TestApps.installed(APP).workers().browserPool().slots());
    assertThat(after.sum("kestrel_browser_slots_busy")).isZero();
    // Bucketed, so histogram_quantile works on them.
    assertThat(after.has("kestrel_step_duration_seconds_bucket")).isTrue();
    // The SDK's own series, as Temporal's SDK dashboards query them.
    assertThat(after.series()).isNotEmpty();
    for (String sdk :
        List.of(
            "temporal_workflow_task_execution_latency_seconds_bucket",
            "temporal_workflow_task_schedule_to_start_latency_seconds_count",
            "temporal_activity_execution_latency_seconds_count",
            "temporal_activity_schedule_to_start_latency_seconds_count",
            "temporal_worker_task_slots_available",
            "temporal_sticky_cache_size",
            "temporal_request_latency_seconds_count")) {
      assertThat(after.has(sdk)).as(sdk).isTrue();
    }
    assertThat(after.has("jvm_memory_used_bytes")).isTrue();
    // No run, task or organization id in any label.
    assertThat(after.text()).doesNotContain(completed, failed, cancelled, ok, fails, waits);
    kestrelSeriesHaveHelpAndOnlyTheirOwnLabels(after);
    // A scrape a Prometheus keeps: the SDK's timers in 9 buckets, none of Micrometer's percentile
    // histogram (BENCHMARKS.md has the size after a day of mixed runs).
    assertThat(after.text().length()).as("scrape bytes").isLessThan(400_000);
    assertThat(after.series().keySet())
        .noneMatch(k -> k.startsWith("temporal_") && k.contains("le=\"0.001048576\""));
  }

  /**
   * Every Kestrel family says what it counts, and carries only labels of its own (none the SDK's,
   * none constant).
   */
  private static void kestrelSeriesHaveHelpAndOnlyTheirOwnLabels(Scrape scrape) {
    java.util.Set<String> families = new java.util.TreeSet<>();
    Matcher help = Pattern.compile("(?m)^# HELP (kestrel_\\w+) (.*)$").matcher(scrape.text());
    while (help.find()) {
      families.add(help.group(1));
      assertThat(help.group(2)).as("HELP of " + help.group(1)).isNotBlank();
    }
    assertThat(families)
        .contains(
            "kestrel_runs_started_total",
            "kestrel_runs_ended_total",
            "kestrel_browser_sessions_opened_total");
    Pattern labelKey = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"");
    for (String series : scrape.series().keySet()) {
      if (!series.startsWith("kestrel_")) {
        continue;
      }
      Matcher key = labelKey.matcher(series);
      while (key.find()) {
        assertThat(key.group(1))
            .as(series)
            .isIn("status", "error_code", "trigger", "action", "outcome", "code", "le");
      }
    }
  }

  /** Last: its organization's run must not land among the other test's counts. */
  @Test
  @Order(2)
  void refusalsAreCountedByStatusAndCode() {
    Organizations organizations = TestApps.installed(APP).organizations();
    organizations.create("metered", 1, null);
    KestrelClient client =
        KestrelClient.builder(
                URI.create("http://127.0.0.1:" + APP.getLocalPort()),
                organizations.issueKey("metered", "m").secret())
            .build();
    String task =
        client
            .createTask(
                "{\"name\": \"Once\", \"steps\": [{\"id\": \"p\", \"action\": \"waitFor\", \"ms\": 1}]}")
            .id();
    Scrape before = scrape();

    client.queueRun(task);
    for (int i = 0; i < 2; i++) {
      try {
        client.queueRun(task);
      } catch (KestrelApiException expected) {
        assertThat(expected.code()).isEqualTo("usage_limit_exceeded");
      }
    }

    Scrape after = scrape();
    assertThat(
            delta(
                before,
                after,
                "kestrel_api_refusals_total",
                "status",
                "402",
                "code",
                "usage_limit_exceeded"))
        .isEqualTo(2);
  }

  @Test
  @Order(3)
  void everyHealthCheckAnswersInOneLine() throws Exception {
    HttpResponse<String> answer =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + APP.getAdminPort() + "/healthcheck"))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    com.fasterxml.jackson.databind.JsonNode checks =
        new com.fasterxml.jackson.databind.ObjectMapper().readTree(answer.body());

    assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
    assertThat(checks.properties().stream().map(Map.Entry::getKey))
        .contains("temporal", "browser", "database", "deadlocks", "webhooks");
    checks
        .properties()
        .forEach(
            check -> {
              assertThat(check.getValue().get("healthy").asBoolean()).as(check.getKey()).isTrue();
              assertThat(check.getValue().get("message").asText())
                  .as(check.getKey())
                  .isNotBlank()
                  .doesNotContain("\n");
              assertThat(check.getValue().has("error"))
                  .as(check.getKey() + ": no stack trace")
                  .isFalse();
            });
    assertThat(checks.at("/database/message").asText())
        .startsWith("database jdbc:h2:")
        .contains("answered in")
        .as("the URL's parameters are not shown")
        .doesNotContain(";", "MODE=", "WRITE_DELAY");
    assertThat(checks.at("/webhooks/message").asText())
        .matches("no webhook delivery waiting|\\d+ webhook deliveries waiting.*");
  }

  /**
   * The sample dashboard queries series this process exports: every metric name in its queries is
   * in a scrape, except those that appear at their first occurrence (a lost session, a delivery
   * given up, a schedule's firing, which the IN_MEMORY engine has none of).
   */
  @Test
  @Order(4)
  void theSampleDashboardQueriesSeriesThatExist() throws Exception {
    com.fasterxml.jackson.databind.JsonNode dashboard =
        new com.fasterxml.jackson.databind.ObjectMapper()
            .readTree(
                java.nio.file.Path.of("..", "deploy", "grafana", "kestrel-dashboard.json")
                    .toFile());
    java.util.Set<String> names = new java.util.TreeSet<>();
    Pattern metric = Pattern.compile("\\b((?:kestrel|temporal)_[a-z_]+)\\b");
    for (com.fasterxml.jackson.databind.JsonNode expr : dashboard.findValues("expr")) {
      Matcher m = metric.matcher(expr.asText());
      while (m.find()) {
        names.add(m.group(1));
      }
    }
    names.removeAll(
        List.of(
            "kestrel_browser_sessions_lost_total",
            "kestrel_webhook_deliveries_given_up_total",
            "kestrel_schedule_firings_total"));

    Scrape scrape = scrape();
    assertThat(names).hasSizeGreaterThan(15);
    assertThat(names).allMatch(scrape::has, "exported by this process");
  }

  private static double delta(Scrape before, Scrape after, String name, String... labels) {
    return after.sum(name, labels) - before.sum(name, labels);
  }
}
