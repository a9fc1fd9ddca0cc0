package dev.kestrel.server.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kestrel.server.config.KestrelConfiguration;
import dev.kestrel.server.support.ApiClient;
import dev.kestrel.server.support.TestApps;
import dev.kestrel.server.support.UpstreamProxy;
import dev.kestrel.testkit.TestPages;
import io.dropwizard.testing.junit5.DropwizardAppExtension;
import io.dropwizard.testing.junit5.DropwizardExtensionsSupport;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 27 (SPEC 12): a run's browser traffic through an upstream proxy, after the egress policy;
 * the proxy's password is written, never read, and named nowhere.
 */
@ExtendWith(DropwizardExtensionsSupport.class)
class ProxyIT {
  static final Duration ENDS = Duration.ofSeconds(60);

  @RegisterExtension static final TestPages PAGES = new TestPages();
  @RegisterExtension static final UpstreamProxy UPSTREAM = new UpstreamProxy();

  /** Strict egress, as production says; the operator allows its proxy host as a proxy only. */
  static final DropwizardAppExtension<KestrelConfiguration> APP =
      TestApps.app(config -> config.egress().allow(false, false).proxyHosts(Set.of("127.0.0.1")));

  /** Loopback targets allowed, as on a developer's machine: the page is reachable. */
  static final DropwizardAppExtension<KestrelConfiguration> OPEN = TestApps.shared();

  final List<String> answers = new ArrayList<>();

  private ApiClient.Answer keep(ApiClient.Answer answer) {
    answers.add(answer.raw().body());
    return answer;
  }

  private String proxy(ApiClient api, String name, String password) {
    ApiClient.Answer created =
        keep(
            api.post(
                "/public/v1/proxies",
                "{\"name\": \""
                    + name
                    + "\", \"server\": \"http://127.0.0.1:"
                    + UPSTREAM.port()
                    + "\", \"username\": \""
                    + UpstreamProxy.USER
                    + "\", \"password\": \""
                    + password
                    + "\"}"));
    assertThat(created.status()).as(created.raw().body()).isEqualTo(201);
    assertThat(created.json().at("/proxy/hasPassword").asBoolean()).isTrue();
    return created.json().at("/proxy/id").asText();
  }

  @Test
  void aRunGoesThroughItsProxyAfterThePolicyAndThePasswordIsNamedNowhere() {
    ApiClient api = TestApps.api(APP);
    proxy(api, "corp", UpstreamProxy.PASSWORD);
    proxy(api, "stale", "not-the-password");
    // The policy allows the page only through the name the test gives it; a loopback target is
    // refused whatever proxy a run names.
    String task =
        TestApps.createTask(
            api,
            """
            {"name": "Through a proxy", "steps": [
              {"id": "open", "action": "goto", "url": "%s"},
              {"id": "path", "action": "extract", "selector": "#path", "output": "path"}
            ]}
            """
                .formatted(PAGES.url("/through-the-proxy")));

    String refusedId = TestApps.queue(api, task, "{\"proxy\": \"corp\"}");
    JsonNode refused = TestApps.awaitTerminal(api, refusedId, ENDS);
    answers.add(refused.toString());
    answers.add(api.get("/public/v1/task-runs/" + refusedId + "/logs").raw().body());
    assertThat(refused.at("/error/code").asText()).isEqualTo("egress_refused");
    assertThat(UPSTREAM.seen())
        .as("the policy refused the target before the upstream saw it")
        .noneMatch(s -> s.contains("/through-the-proxy"));

    // Bad input is refused and changes nothing.
    assertThat(
            keep(api.post(
                    "/public/v1/proxies",
                    "{\"name\": \"s\", \"server\": \"socks5://127.0.0.1:1080\"}"))
                .status())
        .isEqualTo(400);
    assertThat(
            keep(api.post(
                    "/public/v1/proxies",
                    "{\"name\": \"far\", \"server\": \"http://127.0.0.2:3128\"}"))
                .raw()
                .body())
        .as("a loopback proxy the operator did not list")
        .contains("the egress policy refuses this proxy");
    assertThat(
            keep(api.post(
                    "/public/v1/proxies",
                    "{\"name\": \"corp\", \"server\": \"http://127.0.0.1:"
                        + UPSTREAM.port()
                        + "\"}"))
                .raw()
                .body())
        .contains("proxy_name_taken");
    assertThat(keep(api.post("/public/v1/tasks/" + task + "/runs", "{\"proxy\": \"nowhere\"}")))
        .satisfies(a -> assertThat(a.status()).isEqualTo(400))
        .satisfies(a -> assertThat(a.raw().body()).contains("there is no proxy named 'nowhere'"));
    JsonNode listed = keep(api.get("/public/v1/proxies")).json();
    assertThat(listed.get("proxies")).hasSize(2);

    for (String answer : answers) {
      assertThat(answer).doesNotContain(UpstreamProxy.PASSWORD).doesNotContain("not-the-password");
    }
  }

  @Test
  void aRunReachesItsPageThroughTheUpstreamWhereThePolicyAllowsIt() {
    ApiClient api = TestApps.api(OPEN);
    proxy(api, "corp-open", UpstreamProxy.PASSWORD);
    proxy(api, "stale-open", "not-the-password");
    String task =
        TestApps.createTask(
            api,
            """
            {"name": "Through a proxy", "proxy": "corp-open", "steps": [
              {"id": "open", "action": "goto", "url": "%s"},
              {"id": "path", "action": "extract", "selector": "#path", "output": "path"}
            ]}
            """
                .formatted(PAGES.url("/through-the-upstream")));

    String runId = TestApps.queue(api, task, "{}");
    JsonNode run = TestApps.awaitTerminal(api, runId, ENDS);
    String logs = keep(api.get("/public/v1/task-runs/" + runId + "/logs")).raw().body();
    assertThat(run.get("status").asText()).as(logs).isEqualTo("COMPLETED");
    assertThat(run.at("/outputs/path").asText()).isEqualTo("/through-the-upstream");
    assertThat(UPSTREAM.seen()).anyMatch(s -> s.endsWith("/through-the-upstream"));
    assertThat(logs).contains("through proxy 'corp-open'");

    String staleId = TestApps.queue(api, task, "{\"proxy\": \"stale-open\"}");
    JsonNode stale = TestApps.awaitTerminal(api, staleId, ENDS);
    answers.add(stale.toString());
    answers.add(api.get("/public/v1/task-runs/" + staleId + "/logs").raw().body());
    assertThat(stale.get("status").asText()).isEqualTo("FAILED");
    assertThat(stale.at("/error/message").asText()).contains("proxy 'stale-open'").contains("407");
    for (String answer : answers) {
      assertThat(answer).doesNotContain(UpstreamProxy.PASSWORD).doesNotContain("not-the-password");
    }
  }
}
