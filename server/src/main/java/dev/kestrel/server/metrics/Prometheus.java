package dev.kestrel.server.metrics;

import com.uber.m3.tally.RootScopeBuilder;
import com.uber.m3.tally.Scope;
import dev.kestrel.workflows.WorkflowMetrics;
import io.dropwizard.core.setup.Environment;
import io.dropwizard.lifecycle.Managed;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.distribution.DistributionStatisticConfig;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.temporal.common.reporter.MicrometerClientStatsReporter;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;

/**
 * This process's metrics in Prometheus's text format on the admin port ({@value #PATH}): the
 * Temporal SDK's own (through its metrics scope, so Temporal's dashboards for SDK metrics work
 * unchanged), Kestrel's (runs, steps, browser slots, webhooks, refusals) and the JVM's. One
 * Micrometer registry holds them all; the admin port's {@code /metrics} keeps Dropwizard's JSON.
 */
public final class Prometheus {
  public static final String PATH = "/metrics/prometheus";

  /** How often the SDK's scope (and what the workflows count through it) reaches the registry. */
  static final com.uber.m3.util.Duration SDK_REPORT_INTERVAL =
      com.uber.m3.util.Duration.ofSeconds(2);

  /**
   * One set of buckets for every timer, from a step's milliseconds to a long run's hour: few enough
   * series per timer, and what {@code histogram_quantile} needs.
   */
  private static final double[] BUCKET_NANOS =
      Stream.of(
              5L,
              10L,
              25L,
              50L,
              100L,
              250L,
              500L,
              1_000L,
              2_500L,
              5_000L,
              10_000L,
              30_000L,
              60_000L,
              120_000L,
              300_000L,
              600_000L,
              1_800_000L,
              3_600_000L)
          .mapToDouble(millis -> Duration.ofMillis(millis).toNanos())
          .toArray();

  /** The Temporal SDK's timers: enough for histogram_quantile from 5 ms to 5 min. */
  private static final double[] SDK_BUCKET_NANOS =
      Stream.of(5L, 25L, 100L, 250L, 1_000L, 5_000L, 10_000L, 60_000L, 300_000L)
          .mapToDouble(millis -> Duration.ofMillis(millis).toNanos())
          .toArray();

  private final PrometheusMeterRegistry registry;
  private final Scope sdkScope;

  private Prometheus(PrometheusMeterRegistry registry, Scope sdkScope) {
    this.registry = registry;
    this.sdkScope = sdkScope;
  }

  /** The registry and the SDK's scope, the scrape servlet on the admin port, and their closing. */
  public static Prometheus install(Environment env) {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    registry.config().meterFilter(kestrelSeries()).meterFilter(bucketedTimers());
    new ClassLoaderMetrics().bindTo(registry);
    new JvmMemoryMetrics().bindTo(registry);
    JvmGcMetrics gc = new JvmGcMetrics();
    gc.bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
    Scope scope =
        new RootScopeBuilder()
            .reporter(new MicrometerClientStatsReporter(registry))
            .reportEvery(SDK_REPORT_INTERVAL);
    env.admin().addServlet("prometheus", new ScrapeServlet(registry)).addMapping(PATH);
    env.lifecycle()
        .manage(
            new Managed() {
              @Override
              public void stop() throws Exception {
                scope.close(); // Reports what is left.
                gc.close();
              }
            });
    return new Prometheus(registry, scope);
  }

  public MeterRegistry registry() {
    return registry;
  }

  /**
   * For every connection to the engine: the SDK reports its metrics, and the workflows theirs,
   * here.
   */
  public Scope sdkScope() {
    return sdkScope;
  }

  /**
   * Kestrel's series carry only their own labels and a HELP text. Those counted in workflows come
   * through the SDK's scope, which tags them with the SDK's labels (namespace, task queue, workflow
   * type…), mostly "none"; they are dropped, and the series of every queue add up.
   */
  private static MeterFilter kestrelSeries() {
    return new MeterFilter() {
      @Override
      public Meter.Id map(Meter.Id id) {
        if (!id.getName().startsWith("kestrel")) {
          return id;
        }
        List<Tag> own =
            id.getTags().stream().filter(t -> WorkflowMetrics.LABELS.contains(t.getKey())).toList();
        String description =
            id.getDescription() != null
                ? id.getDescription()
                : WorkflowMetrics.DESCRIPTIONS.get(id.getName());
        return new Meter.Id(
            id.getName(), Tags.of(own), id.getBaseUnit(), description, id.getType());
      }
    };
  }

  private static MeterFilter bucketedTimers() {
    return new MeterFilter() {
      @Override
      public DistributionStatisticConfig configure(
          Meter.Id id, DistributionStatisticConfig config) {
        if (id.getType() != Meter.Type.TIMER) {
          return config;
        }
        // Our buckets only: the SDK asks for Micrometer's percentile histogram too, about 70 more
        // buckets per series, which made most of a 1.4 MB scrape. The SDK's timers, many more
        // series (operation, activity and task queue), get fewer buckets than Kestrel's.
        return DistributionStatisticConfig.builder()
            .serviceLevelObjectives(
                id.getName().startsWith("kestrel") ? BUCKET_NANOS : SDK_BUCKET_NANOS)
            .percentilesHistogram(false)
            .build()
            .merge(config);
      }
    };
  }

  /** The scrape: text format 0.0.4, which every Prometheus reads. */
  private static final class ScrapeServlet extends HttpServlet {
    private final transient PrometheusMeterRegistry registry;

    ScrapeServlet(PrometheusMeterRegistry registry) {
      this.registry = registry;
    }

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response)
        throws IOException {
      response.setContentType("text/plain; version=0.0.4; charset=utf-8");
      response.setHeader("Cache-Control", "no-store");
      response.getWriter().write(registry.scrape());
    }
  }
}
