package dev.kestrel.server.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.microsoft.playwright.Browser;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.BrowserType;
import com.microsoft.playwright.Playwright;
import dev.kestrel.server.config.KestrelConfiguration;
import dev.kestrel.server.core.Organizations;
import dev.kestrel.server.support.ApiClient;
import dev.kestrel.server.support.TestApps;
import dev.kestrel.testkit.TestPages;
import io.dropwizard.testing.junit5.DropwizardAppExtension;
import io.dropwizard.testing.junit5.DropwizardExtensionsSupport;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 27 (SPEC 12): a saved login a run starts from and saves back to, versioned, sealed, one
 * organization's; runs that start at once from one profile each read the version they started from.
 */
@ExtendWith(DropwizardExtensionsSupport.class)
class ProfileIT {
  static final Duration ENDS = Duration.ofSeconds(90);

  @RegisterExtension static final TestPages PAGES = new TestPages();

  /** An application of its own: its whole data folder is searched for the session cookie. */
  static final DropwizardAppExtension<KestrelConfiguration> APP = TestApps.app();

  /** Every answer the API gave in these tests, searched for the session cookie too. */
  final List<String> answers = new ArrayList<>();

  private JsonNode keep(ApiClient.Answer answer) {
    answers.add(answer.raw().body());
    return answer.json();
  }

  private String accountTask(ApiClient api, String name) {
    return TestApps.createTask(
        api,
        """
        {"name": "%s", "steps": [
          {"id": "open", "action": "goto", "url": "%s"},
          {"id": "who", "action": "extract", "selector": "#name", "output": "name"},
          {"id": "cart", "action": "extract", "selector": "#cart", "output": "cart"}
        ]}
        """
            .formatted(name, PAGES.url("/account")));
  }

  private JsonNode run(ApiClient api, String taskId, String body) {
    String runId = TestApps.queue(api, taskId, body);
    JsonNode run = TestApps.awaitTerminal(api, runId, ENDS);
    answers.add(run.toString());
    answers.add(api.get("/public/v1/task-runs/" + runId + "/logs").raw().body());
    return run;
  }

  @Test
  void aSavedLoginIsRestoredOnlyWithItsProfileAndItsStateIsNeverInClear() throws IOException {
    ApiClient api = TestApps.api(APP);
    ApiClient.Answer created = api.post("/public/v1/profiles", "{\"name\": \"shop-login\"}");
    assertThat(created.status()).isEqualTo(201);
    String profileId = keep(created).at("/profile/id").asText();
    assertThat(created.json().at("/profile/version").asInt()).isZero();

    String loginTask =
        TestApps.createTask(
            api,
            """
            {"name": "Log in", "profile": {"name": "shop-login", "save": "onSuccess"}, "steps": [
              {"id": "login", "action": "goto", "url": "%s"},
              {"id": "in", "action": "assert", "selector": "#who", "textContains": "logged in"}
            ]}
            """
                .formatted(PAGES.url("/login")));
    JsonNode login = run(api, loginTask, "{}");
    assertThat(login.get("status").asText()).as(login.toString()).isEqualTo("COMPLETED");
    String logs = answers.get(answers.size() - 1);
    assertThat(logs).contains("Profile 'shop-login' saved as version 1");
    JsonNode profile = keep(api.get("/public/v1/profiles/" + profileId)).get("profile");
    assertThat(profile.get("version").asInt()).isEqualTo(1);
    assertThat(profile.get("bytes").asLong()).isPositive();
    long logins = PAGES.hits("/login");

    String account = accountTask(api, "Account");
    JsonNode withProfile =
        run(api, account, "{\"profile\": {\"name\": \"shop-login\", \"save\": \"never\"}}");
    assertThat(withProfile.get("status").asText())
        .as(withProfile.toString())
        .isEqualTo("COMPLETED");
    assertThat(withProfile.at("/outputs/name").asText()).as("logged in").isEqualTo("Ada");
    assertThat(withProfile.at("/outputs/cart").asText()).isEqualTo("2 items");
    assertThat(PAGES.hits("/login"))
        .as("a profile does not go back to the page its state was saved on")
        .isEqualTo(logins);
    JsonNode without = run(api, account, "{}");
    assertThat(without.at("/outputs/name").asText()).isEqualTo("anonymous");

    // Another organization can neither see the profile nor name it.
    Organizations organizations = TestApps.installed(APP).organizations();
    organizations.create("org-two", null, null);
    ApiClient stranger = api.withKey(organizations.issueKey("org-two", "profile test").secret());
    assertThat(stranger.get("/public/v1/profiles/" + profileId).status()).isEqualTo(404);
    assertThat(stranger.get("/public/v1/profiles").json().get("profiles")).isEmpty();
    String theirs = accountTask(stranger, "Theirs");
    ApiClient.Answer refused =
        stranger.post(
            "/public/v1/tasks/" + theirs + "/runs", "{\"profile\": {\"name\": \"shop-login\"}}");
    assertThat(refused.status()).isEqualTo(400);
    assertThat(refused.raw().body()).contains("no profile named 'shop-login'");

    // The check: a login that holds passes; once it expired, the run fails before step 1.
    String checked =
        "{\"profile\": {\"name\": \"shop-login\", \"save\": \"never\", \"check\": {\"url\": \""
            + PAGES.url("/account")
            + "\", \"selector\": \"#name:text-is('Ada')\"}}}";
    assertThat(run(api, account, checked).get("status").asText()).isEqualTo("COMPLETED");
    PAGES.expireSessions();
    long accountHits = PAGES.hits("/account");
    JsonNode expired = run(api, account, checked);
    assertThat(expired.get("status").asText()).isEqualTo("FAILED");
    assertThat(expired.at("/error/code").asText()).isEqualTo("profile_expired");
    assertThat(expired.at("/error/message").asText()).contains("shop-login").contains("#name");
    assertThat(PAGES.hits("/account") - accountHits)
        .as("only the check's page was opened, no step ran")
        .isEqualTo(1);

    // A login made by plain Playwright, imported as a storageState.
    String imported =
        keep(api.post("/public/v1/profiles", "{\"name\": \"imported\"}"))
            .at("/profile/id")
            .asText();
    String storageState;
    try (Playwright playwright =
            Playwright.create(
                new Playwright.CreateOptions()
                    .setEnv(Map.of("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")));
        Browser browser =
            playwright
                .chromium()
                .launch(
                    new BrowserType.LaunchOptions()
                        .setExecutablePath(Path.of("/usr/bin/chromium"))
                        .setHeadless(true));
        BrowserContext context = browser.newContext()) {
      context.newPage().navigate(PAGES.url("/login"));
      storageState = context.storageState();
    }
    ApiClient.Answer put =
        api.send(
            api.request("/public/v1/profiles/" + imported + "/state")
                .PUT(java.net.http.HttpRequest.BodyPublishers.ofString(storageState)));
    assertThat(put.status()).as(put.raw().body()).isEqualTo(200);
    assertThat(keep(put).at("/profile/version").asInt()).isEqualTo(1);
    JsonNode fromImport = run(api, account, "{\"profile\": {\"name\": \"imported\"}}");
    assertThat(fromImport.at("/outputs/name").asText()).isEqualTo("Ada");
    assertThat(keep(api.get("/public/v1/profiles/" + imported)).at("/profile/version").asInt())
        .as("saved on success, the default")
        .isEqualTo(2);

    // Bad input changes nothing.
    assertThat(api.post("/public/v1/profiles", "{\"name\": \"shop-login\"}").raw().body())
        .contains("profile_name_taken");
    assertThat(api.post("/public/v1/profiles", "{\"name\": \"../x\"}").status()).isEqualTo(400);
    assertThat(
            api.send(
                    api.request("/public/v1/profiles/" + imported + "/state")
                        .PUT(
                            java.net.http.HttpRequest.BodyPublishers.ofString(
                                "{\"cookies\": [{\"name\": \"a\"}]}")))
                .status())
        .isEqualTo(400);
    assertThat(
            api.send(
                    api.request("/public/v1/profiles/" + imported + "/state")
                        .PUT(
                            java.net.http.HttpRequest.BodyPublishers.ofString(
                                "{\"cookies\": [], \"origins\": [{\"origin\": \"x\", \"localStorage\":"
                                    + " [{\"name\": \"k\", \"value\": \""
                                    + "v".repeat(6 * 1024 * 1024)
                                    + "\"}]}]}")))
                .status())
        .as("over profiles.maxStateBytes")
        .isEqualTo(413);
    assertThat(keep(api.get("/public/v1/profiles/" + imported)).at("/profile/version").asInt())
        .as("bad input changed nothing")
        .isEqualTo(2);
    for (String id : List.of(profileId, imported)) {
      keep(api.get("/public/v1/profiles/" + id + "/versions"));
    }
    keep(api.get("/public/v1/profiles"));

    // Sealed: the session cookies are in no file of the data folder and in no answer.
    List<String> cookies = new ArrayList<>(PAGES.issuedSessions());
    assertThat(cookies).isNotEmpty();
    List<Path> files;
    try (Stream<Path> all = Files.walk(APP.getConfiguration().dataDir())) {
      files = all.filter(Files::isRegularFile).toList();
    }
    assertThat(files).isNotEmpty();
    for (Path file : files) {
      String content = new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1);
      for (String sid : cookies) {
        assertThat(content).as("%s holds a session cookie", file).doesNotContain(sid);
      }
    }
    for (String answer : answers) {
      for (String sid : cookies) {
        assertThat(answer).doesNotContain(sid);
      }
    }
  }

  @Test
  void runsStartingAtOnceFromOneProfileEachReadTheirVersionAndARollbackRestoresOne() {
    ApiClient api = TestApps.api(APP);
    String profileId =
        api.post("/public/v1/profiles", "{\"name\": \"cart\"}").json().at("/profile/id").asText();
    String addToCart =
        TestApps.createTask(
            api,
            """
            {"name": "Add to cart", "profile": {"name": "cart", "save": "never"}, "steps": [
              {"id": "open", "action": "goto", "url": "%s"},
              {"id": "add", "action": "click", "selector": "#add"},
              {"id": "count", "action": "extract", "selector": "#count", "output": "count"}
            ]}
            """
                .formatted(PAGES.url("/cart")));
    String saving = "{\"profile\": {\"name\": \"cart\", \"save\": \"onSuccess\"}}";
    assertThat(run(api, addToCart, saving).at("/outputs/count").asText()).isEqualTo("1");

    // Five at once from version 1, two of them saving.
    List<String> runIds = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      runIds.add(TestApps.queue(api, addToCart, i < 2 ? saving : "{}"));
    }
    List<String> logs = new ArrayList<>();
    for (String runId : runIds) {
      JsonNode run = TestApps.awaitTerminal(api, runId, ENDS);
      assertThat(run.get("status").asText()).as(run.toString()).isEqualTo("COMPLETED");
      assertThat(run.at("/outputs/count").asText())
          .as("each started from version 1, whole")
          .isEqualTo("2");
      logs.add(api.get("/public/v1/task-runs/" + runId + "/logs").raw().body());
    }
    JsonNode versions = api.get("/public/v1/profiles/" + profileId + "/versions").json();
    assertThat(versions.get("versions"))
        .extracting(v -> v.get("version").asInt() + " " + v.get("source").asText())
        .containsExactly("3 run", "2 run", "1 run");
    assertThat(versions.at("/versions/0/basedOn").asInt()).isEqualTo(1);
    assertThat(String.join("\n", logs))
        .as("the later save over a newer version says so")
        .contains("saved as version 3, now current; version 2, made (by another run");

    JsonNode rolledBack =
        api.post("/public/v1/profiles/" + profileId + "/rollback", "{\"version\": 1}").json();
    assertThat(rolledBack.at("/profile/version").asInt()).isEqualTo(4);
    assertThat(run(api, addToCart, "{}").at("/outputs/count").asText())
        .as("version 1's cart again")
        .isEqualTo("2");
    assertThat(
            api.post("/public/v1/profiles/" + profileId + "/rollback", "{\"version\": 9}").status())
        .isEqualTo(400);
    assertThat(api.delete("/public/v1/profiles/" + profileId).status()).isEqualTo(204);
    assertThat(api.get("/public/v1/profiles/" + profileId).status()).isEqualTo(404);
  }
}
