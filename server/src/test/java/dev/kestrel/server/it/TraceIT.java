package dev.kestrel.server.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kestrel.client.KestrelClient;
import dev.kestrel.client.RunRequest;
import dev.kestrel.model.RunStatus;
import dev.kestrel.model.TraceMode;
import dev.kestrel.model.api.Artifact;
import dev.kestrel.model.api.LogEntry;
import dev.kestrel.model.api.Run;
import dev.kestrel.server.config.KestrelConfiguration;
import dev.kestrel.server.support.TestApps;
import dev.kestrel.testkit.TestPages;
import io.dropwizard.testing.junit5.DropwizardAppExtension;
import io.dropwizard.testing.junit5.DropwizardExtensionsSupport;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Playwright traces: recorded per session as the run's trace mode says (here the servers' default
 * is on-failure; the shipped one is off), kept as a run artifact that opens in {@code playwright
 * show-trace}, within the run's cap on its files.
 */
@ExtendWith(DropwizardExtensionsSupport.class)
class TraceIT {
  @RegisterExtension static final TestPages PAGES = new TestPages();
  static final DropwizardAppExtension<KestrelConfiguration> APP =
      TestApps.app(config -> config.artifacts().trace(TraceMode.ON_FAILURE));

  /** A cap on a run's files that no trace fits under. */
  static final DropwizardAppExtension<KestrelConfiguration> CAPPED =
      TestApps.app(config -> config.artifacts().trace(TraceMode.ON_FAILURE).maxRunBytes(2048));

  static String failing(KestrelClient client, String trace) {
    return client
        .createTask(
            """
        {"name": "Traced, fails", %s "steps": [
          {"id": "open", "action": "goto", "url": "%s"},
          {"id": "fill", "action": "fill", "selector": "#order", "value": "7"},
          {"id": "never", "action": "assert", "selector": "#status", "textContains": "Delivered", "timeoutMs": 500}
        ]}"""
                .formatted(
                    trace == null ? "" : "\"trace\": \"" + trace + "\",", PAGES.url("/order")))
        .id();
  }

  static Run ended(KestrelClient client, String runId) {
    Run run = client.awaitEnd(runId, Duration.ofSeconds(60));
    assertThat(run.status().isTerminal()).isTrue();
    return run;
  }

  /** The zip's entries by name, each read as UTF-8 text. */
  static Map<String, String> zipEntries(byte[] zip) throws IOException {
    Map<String, String> entries = new LinkedHashMap<>();
    try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(zip))) {
      for (ZipEntry e; (e = in.getNextEntry()) != null; ) {
        entries.put(
            e.getName(), new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8));
      }
    }
    return entries;
  }

  @Test
  void onFailureKeepsAFailedRunsTraceAndNoneOfACompletedOne() throws Exception {
    KestrelClient client = TestApps.client("http://127.0.0.1:" + APP.getLocalPort());
    Run failed = ended(client, client.queueRun(failing(client, null)).run().id());
    String ok = TestApps.createOrderTask(client, "Traced, completes", PAGES.url("/order"), 1);
    Run completed = ended(client, client.queueRun(ok).run().id());

    assertThat(failed.status()).isEqualTo(RunStatus.FAILED);
    assertThat(failed.artifacts()).extracting(Artifact::name).containsExactly("trace-1.zip");
    Artifact trace = failed.artifacts().get(0);
    assertThat(trace.url())
        .isEqualTo("/public/v1/task-runs/" + failed.id() + "/artifacts/trace-1.zip");
    byte[] zip = client.artifact(failed.id(), "trace-1.zip");
    assertThat((long) zip.length).isEqualTo(trace.bytes());
    // What `playwright show-trace` opens: the actions with their snapshots, and the network.
    Map<String, String> entries = zipEntries(zip);
    assertThat(entries.keySet())
        .contains("trace.trace", "trace.network")
        .anyMatch(n -> n.startsWith("resources/"));
    assertThat(entries.get("trace.network"))
        .as("the page's requests")
        .contains(PAGES.url("/order"));
    assertThat(entries.get("trace.trace"))
        .as("the actions, with their DOM snapshots")
        .contains("\"type\":\"frame-snapshot\"");
    assertThat(client.logs(failed.id()))
        .extracting(LogEntry::message)
        .anyMatch(m -> m.startsWith("Playwright trace of session 1: " + trace.url()));

    assertThat(completed.status()).isEqualTo(RunStatus.COMPLETED);
    assertThat(completed.artifacts()).isEmpty();
  }

  @Test
  void alwaysKeepsACompletedRunsTraceAndOffRecordsNone() {
    KestrelClient client = TestApps.client("http://127.0.0.1:" + APP.getLocalPort());
    String ok = TestApps.createOrderTask(client, "Traced always", PAGES.url("/order"), 1);
    Run always =
        ended(
            client, client.queueRun(ok, RunRequest.defaults().trace(TraceMode.ALWAYS)).run().id());
    Run off = ended(client, client.queueRun(failing(client, "off")).run().id());
    Run offByRequest =
        ended(
            client,
            client
                .queueRun(failing(client, "always"), RunRequest.defaults().trace(TraceMode.OFF))
                .run()
                .id());

    assertThat(always.status()).isEqualTo(RunStatus.COMPLETED);
    assertThat(always.artifacts()).extracting(Artifact::name).containsExactly("trace-1.zip");
    assertThat(off.status()).isEqualTo(RunStatus.FAILED);
    assertThat(off.artifacts()).isEmpty();
    assertThat(offByRequest.artifacts()).as("the request's mode over the task's").isEmpty();
  }

  @Test
  void aTraceThatWouldTakeTheRunOverItsCapIsNotKeptAndTheLogSaysSo() {
    KestrelClient client = TestApps.client("http://127.0.0.1:" + CAPPED.getLocalPort());
    Run failed = ended(client, client.queueRun(failing(client, null)).run().id());

    assertThat(failed.status()).isEqualTo(RunStatus.FAILED);
    assertThat(failed.artifacts()).isEmpty();
    assertThat(client.logs(failed.id()))
        .extracting(LogEntry::message)
        .anyMatch(
            m ->
                m.startsWith("The Playwright trace of session 1 (")
                    && m.contains("artifacts.maxRunBytes"));
  }
}
