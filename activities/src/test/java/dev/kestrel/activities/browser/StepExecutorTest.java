package dev.kestrel.activities.browser;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.microsoft.playwright.Browser;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.BrowserType;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.Playwright;
import com.sun.net.httpserver.HttpServer;
import dev.kestrel.activities.egress.EgressPolicy;
import dev.kestrel.model.StepAction;
import dev.kestrel.model.StepSpec;
import dev.kestrel.store.ArtifactStore;
import dev.kestrel.store.Sealer;
import dev.kestrel.workflows.SealedText;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every step action on a real Chromium, on a page served on 127.0.0.1. The test thread owns the
 * Playwright objects here, as a slot's thread does in the worker.
 */
class StepExecutorTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  static final Sealer SEALER = new Sealer(Map.of("k1", new byte[32]));

  /** Upload files kept in an in-memory database, as the API keeps them. */
  static final dev.kestrel.store.UploadFiles FILES = uploadFiles();

  static final SealedInputs SECRETS = new SealedInputs(SEALER, FILES, null, null);

  private static dev.kestrel.store.UploadFiles uploadFiles() {
    org.h2.jdbcx.JdbcDataSource h2 = new org.h2.jdbcx.JdbcDataSource();
    h2.setURL(
        "jdbc:h2:mem:step-executor-test;MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;DB_CLOSE_DELAY=-1");
    dev.kestrel.store.db.Database.migrate(h2);
    return new dev.kestrel.store.UploadFiles(
        new dev.kestrel.store.db.UploadFileDao(org.jdbi.v3.core.Jdbi.create(h2)), SEALER);
  }

  private static final String PAGE =
      """
      <!doctype html><title>Steps</title>
      <input id="name"><button id="go" onclick="out.textContent = 'clicked ' + document.getElementById('name').value">Go</button>
      <p id="out"></p>
      <input id="keys" onkeydown="if (event.key === 'Enter') out.textContent = 'enter pressed'">
      <select id="color"><option value="red">Red</option><option value="blue">Blue</option></select>
      <input type="checkbox" id="agree">
      <div id="hoverme" onmouseover="this.textContent = 'hovered'">hover me</div>
      <ul><li><a href="/a">A</a></li><li><a href="/b">B</a></li></ul>
      <div id="late" hidden>arrived</div>
      <a id="dl" href="/report.csv">Download</a>
      <input type="file" id="attach" style="display:none">
      <script>setTimeout(() => document.getElementById('late').hidden = false, 300)</script>
      """;

  static HttpServer server;
  static Playwright playwright;
  static Browser browser;

  @TempDir Path artifactsDir;
  BrowserContext context;
  BrowserSession session;
  StepExecutor executor;
  final String runId = UUID.randomUUID().toString();

  @BeforeAll
  static void startPageAndBrowser() throws Exception {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext(
        "/",
        exchange -> {
          byte[] body = PAGE.getBytes(StandardCharsets.UTF_8);
          exchange.getResponseHeaders().add("Content-Type", "text/html; charset=utf-8");
          exchange.sendResponseHeaders(200, body.length);
          exchange.getResponseBody().write(body);
          exchange.close();
        });
    server.createContext(
        "/report.csv",
        exchange -> {
          byte[] body = "a,b\n1,2\n".getBytes(StandardCharsets.UTF_8);
          exchange.getResponseHeaders().add("Content-Type", "text/csv");
          exchange
              .getResponseHeaders()
              .add("Content-Disposition", "attachment; filename=\"report 1.csv\"");
          exchange.sendResponseHeaders(200, body.length);
          exchange.getResponseBody().write(body);
          exchange.close();
        });
    server.start();
    playwright =
        Playwright.create(
            new Playwright.CreateOptions().setEnv(Map.of("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")));
    browser =
        playwright
            .chromium()
            .launch(
                new BrowserType.LaunchOptions()
                    .setExecutablePath(
                        Path.of(System.getProperty("kestrel.chromium", "/usr/bin/chromium")))
                    .setHeadless(true)
                    .setArgs(BrowserSettings.DEFAULT_ARGS));
  }

  @AfterAll
  static void stopPageAndBrowser() {
    if (playwright != null) {
      playwright.close();
    }
    if (server != null) {
      server.stop(0);
    }
  }

  @BeforeEach
  void openPage() {
    context = browser.newContext();
    Page page = context.newPage();
    session =
        new BrowserSession("s", runId, null, context, page, dev.kestrel.model.TraceMode.OFF, 1);
    executor =
        new StepExecutor(
            new EgressPolicy(true, true), new ArtifactStore(artifactsDir), SECRETS, 10_000_000);
    run("{\"id\": \"open\", \"action\": \"goto\", \"url\": \"" + url() + "\"}");
  }

  private static String url() {
    return "http://127.0.0.1:" + server.getAddress().getPort() + "/";
  }

  private Map<String, Object> run(String stepJson) {
    try {
      return executor.execute(session, runId, JSON.readValue(stepJson, StepSpec.class), 5_000);
    } catch (java.io.IOException e) {
      throw new IllegalArgumentException(e);
    }
  }

  private Object eval(String js) {
    return session.page.evaluate(js);
  }

  /** One step of each action, with what it must have done to the page (or returned). */
  @Test
  void everyActionDoesWhatItSays() {
    Map<StepAction, Runnable> checks = new EnumMap<>(StepAction.class);
    checks.put(StepAction.GOTO, () -> assertThat(session.page.title()).isEqualTo("Steps"));
    checks.put(
        StepAction.FILL,
        () -> {
          run("{\"id\": \"f\", \"action\": \"fill\", \"selector\": \"#name\", \"value\": \"Ada\"}");
          assertThat(eval("document.getElementById('name').value")).isEqualTo("Ada");
        });
    checks.put(
        StepAction.CLICK,
        () -> {
          run("{\"id\": \"c\", \"action\": \"click\", \"selector\": \"#go\"}");
          assertThat(eval("out.textContent")).isEqualTo("clicked Ada");
        });
    checks.put(
        StepAction.PRESS,
        () -> {
          run(
              "{\"id\": \"p\", \"action\": \"press\", \"selector\": \"#keys\", \"key\": \"Enter\"}");
          assertThat(eval("out.textContent")).isEqualTo("enter pressed");
        });
    checks.put(
        StepAction.SELECT,
        () -> {
          run(
              "{\"id\": \"s\", \"action\": \"select\", \"selector\": \"#color\", \"value\": \"blue\"}");
          assertThat(eval("document.getElementById('color').value")).isEqualTo("blue");
        });
    checks.put(
        StepAction.CHECK,
        () -> {
          run("{\"id\": \"k\", \"action\": \"check\", \"selector\": \"#agree\"}");
          assertThat(eval("document.getElementById('agree').checked")).isEqualTo(true);
          run(
              "{\"id\": \"u\", \"action\": \"check\", \"selector\": \"#agree\", \"checked\": false}");
          assertThat(eval("document.getElementById('agree').checked")).isEqualTo(false);
        });
    checks.put(
        StepAction.HOVER,
        () -> {
          run("{\"id\": \"h\", \"action\": \"hover\", \"selector\": \"#hoverme\"}");
          assertThat(eval("document.getElementById('hoverme').textContent")).isEqualTo("hovered");
        });
    checks.put(
        StepAction.WAIT_FOR,
        () -> {
          run("{\"id\": \"w\", \"action\": \"waitFor\", \"selector\": \"#late\"}");
          assertThat(eval("document.getElementById('late').hidden")).isEqualTo(false);
          run("{\"id\": \"p\", \"action\": \"waitFor\", \"ms\": 10}");
        });
    checks.put(
        StepAction.EXTRACT,
        () -> {
          assertThat(
                  run(
                      "{\"id\": \"t\", \"action\": \"extract\", \"selector\": \"#late\", \"output\": \"text\"}"))
              .isEqualTo(Map.of("text", "arrived"));
          assertThat(
                  run(
                      "{\"id\": \"l\", \"action\": \"extract\", \"selector\": \"li a\", \"attribute\": \"href\", \"all\": true, \"output\": \"links\"}"))
              .isEqualTo(Map.of("links", List.of("/a", "/b")));
          assertThat(
                  run(
                      "{\"id\": \"m\", \"action\": \"extract\", \"selector\": \"li\", \"mode\": \"html\", \"output\": \"html\"}"))
              .isEqualTo(Map.of("html", "<a href=\"/a\">A</a>"));
        });
    checks.put(
        StepAction.SCREENSHOT,
        () -> {
          Map<String, Object> out =
              run("{\"id\": \"shot\", \"action\": \"screenshot\", \"output\": \"page\"}");
          assertThat(out)
              .isEqualTo(Map.of("page", "/public/v1/task-runs/" + runId + "/artifacts/shot.png"));
          assertThat(artifactsDir.resolve(runId).resolve("shot.png"))
              .satisfies(
                  png ->
                      assertThat(Files.readAllBytes(png))
                          .startsWith((byte) 0x89, (byte) 'P', (byte) 'N', (byte) 'G'));
        });
    checks.put(
        StepAction.EVALUATE,
        () ->
            assertThat(
                    run(
                        "{\"id\": \"e\", \"action\": \"evaluate\", \"output\": \"o\","
                            + " \"expression\": \"({n: document.querySelectorAll('li').length})\"}"))
                .isEqualTo(Map.of("o", Map.of("n", 2))));
    checks.put(
        StepAction.SCROLL,
        () -> {
          run("{\"id\": \"s\", \"action\": \"scroll\", \"selector\": \"#late\"}");
          run("{\"id\": \"t\", \"action\": \"scroll\", \"to\": \"bottom\"}");
          run("{\"id\": \"u\", \"action\": \"scroll\", \"to\": \"top\"}");
          assertThat(eval("window.scrollY")).isEqualTo(0);
        });
    checks.put(
        StepAction.UPLOAD,
        () -> {
          String sha256 = FILES.keep("org", runId, "a,b\n1,2\n".getBytes(StandardCharsets.UTF_8));
          run(
              "{\"id\": \"u\", \"action\": \"upload\", \"selector\": \"#attach\","
                  + " \"file\": {\"name\": \"rows.csv\", \"bytes\": 8, \"sha256\": \""
                  + sha256
                  + "\"}}");
          assertThat(
                  eval(
                      "(async () => { const f = document.getElementById('attach').files[0];"
                          + " return f.name + ' ' + f.type + ' ' + (await f.text()); })()"))
              .isEqualTo("rows.csv text/csv a,b\n1,2\n");
          assertThatThrownBy(
                  () ->
                      run(
                          "{\"id\": \"v\", \"action\": \"upload\", \"selector\": \"#attach\","
                              + " \"file\": {\"name\": \"x\", \"bytes\": 1, \"sha256\": \""
                              + "0".repeat(64)
                              + "\"}}"))
              .as("a file the run does not keep")
              .isInstanceOf(StepFailedException.class)
              .hasMessageContaining("is not kept");
        });
    checks.put(
        StepAction.DOWNLOAD,
        () -> {
          assertThat(
                  run(
                      "{\"id\": \"d\", \"action\": \"download\", \"selector\": \"#dl\","
                          + " \"output\": \"file\"}"))
              .isEqualTo(Map.of("file", ArtifactStore.url(runId, "d-report_1.csv")));
          assertThat(artifactsDir.resolve(runId).resolve("d-report_1.csv"))
              .hasContent("a,b\n1,2\n");
        });
    checks.put(
        StepAction.INPUT,
        () -> {
          run(
              "{\"id\": \"otp\", \"action\": \"input\", \"prompt\": \"Code?\","
                  + " \"fields\": {\"code\": {\"type\": \"string\"}}}");
          assertThat(artifactsDir.resolve(runId).resolve("otp.png"))
              .as("the page as the wait begins, for the input link")
              .satisfies(
                  png ->
                      assertThat(Files.readAllBytes(png))
                          .startsWith((byte) 0x89, (byte) 'P', (byte) 'N', (byte) 'G'));
        });
    checks.put(
        StepAction.ASSERT,
        () -> {
          run(
              "{\"id\": \"a\", \"action\": \"assert\", \"selector\": \"#out\", \"textContains\": \"enter\"}");
          run(
              "{\"id\": \"v\", \"action\": \"assert\", \"selector\": \"#nowhere\", \"visible\": false}");
        });

    checks.put(
        StepAction.FOR_EACH,
        () -> {
          // The workflow walks a loop; the worker reads a selector's elements as its items.
          assertThat(
                  run(
                      "{\"id\": \"each\", \"action\": \"forEach\", \"selector\": \"li a\","
                          + " \"steps\": [{\"id\": \"x\", \"action\": \"click\","
                          + " \"selector\": \"{{item.selector}}\"}]}"))
              .isEqualTo(
                  Map.of(
                      "items",
                      List.of(
                          Map.of(
                              "index", 0, "text", "A", "href", "/a", "selector", "li a >> nth=0"),
                          Map.of(
                              "index",
                              1,
                              "text",
                              "B",
                              "href",
                              "/b",
                              "selector",
                              "li a >> nth=1"))));
          assertThat(
                  run(
                      "{\"id\": \"over\", \"action\": \"forEach\", \"items\": \"{{outputs.x}}\","
                          + " \"steps\": [{\"id\": \"y\", \"action\": \"break\"}]}"))
              .as("a forEach over a list needs nothing of the page")
              .isEmpty();
        });
    checks.put(
        StepAction.REPEAT,
        () ->
            assertThat(
                    run(
                        "{\"id\": \"r\", \"action\": \"repeat\", \"steps\": [{\"id\": \"z\","
                            + " \"action\": \"break\"}]}"))
                .isEmpty());
    checks.put(
        StepAction.BREAK,
        () -> assertThat(run("{\"id\": \"b\", \"action\": \"break\"}")).isEmpty());
    assertThat(checks.keySet())
        .as("a check for every action")
        .containsExactlyInAnyOrder(StepAction.values());
    // In the order the page needs them: fill before click, press after, the rest as declared.
    for (StepAction action :
        List.of(
            StepAction.GOTO,
            StepAction.FILL,
            StepAction.CLICK,
            StepAction.PRESS,
            StepAction.SELECT,
            StepAction.CHECK,
            StepAction.HOVER,
            StepAction.WAIT_FOR,
            StepAction.EXTRACT,
            StepAction.SCREENSHOT,
            StepAction.ASSERT,
            StepAction.INPUT,
            StepAction.EVALUATE,
            StepAction.SCROLL,
            StepAction.DOWNLOAD,
            StepAction.FOR_EACH,
            StepAction.REPEAT,
            StepAction.BREAK)) {
      checks.get(action).run();
    }
  }

  /** The step's value as the workflow hands it: the secret in its sealed form. */
  private String sealed(String secret) {
    return SealedText.token(
        java.util.Base64.getUrlEncoder()
            .withoutPadding()
            .encodeToString(
                SEALER.seal(secret.getBytes(StandardCharsets.UTF_8), SealedText.boundTo(runId))));
  }

  @Test
  void aSecretInputIsOpenedOnlyToBeTypedAndAFailureShowsItMasked() {
    String value = "code " + sealed("482913");
    run(
        "{\"id\": \"f\", \"action\": \"fill\", \"selector\": \"#name\", \"value\": \""
            + value
            + "\"}");
    assertThat(eval("document.getElementById('name').value")).isEqualTo("code 482913");
    assertThat(session.heldSecret()).as("its trace is not kept").isTrue();

    assertThatThrownBy(
            () ->
                run(
                    "{\"id\": \"f\", \"action\": \"fill\", \"selector\": \"#late\","
                        + " \"timeoutMs\": 300, \"value\": \""
                        + sealed("482913")
                        + "\"}"))
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("482913"));

    String othersRun =
        SealedText.token(
            java.util.Base64.getUrlEncoder()
                .withoutPadding()
                .encodeToString(
                    SEALER.seal(
                        "1".getBytes(StandardCharsets.UTF_8), SealedText.boundTo("other"))));
    assertThatThrownBy(
            () ->
                run(
                    "{\"id\": \"f\", \"action\": \"fill\", \"selector\": \"#name\", \"value\": \""
                        + othersRun
                        + "\"}"))
        .isInstanceOf(StepFailedException.class)
        .hasMessageContaining("a secret input could not be opened");
  }

  @Test
  void aFailedAssertSaysWhatWasExpectedOrTheStepsOwnMessage() {
    assertThatThrownBy(
            () ->
                run(
                    "{\"id\": \"a\", \"action\": \"assert\", \"selector\": \"#hoverme\", \"textContains\": \"gone\", \"timeoutMs\": 300}"))
        .isInstanceOf(StepFailedException.class)
        .hasMessage("Expected '#hoverme' to contain \"gone\", found \"hover me\"");
    assertThatThrownBy(
            () ->
                run(
                    "{\"id\": \"a\", \"action\": \"assert\", \"selector\": \"#go\", \"visible\": false, \"timeoutMs\": 300, \"message\": \"the button stayed\"}"))
        .isInstanceOf(StepFailedException.class)
        .hasMessage("the button stayed");
  }

  @Test
  void aMissingElementTimesOutWithTheSelectorInTheMessage() {
    assertThatThrownBy(
            () ->
                run(
                    "{\"id\": \"c\", \"action\": \"click\", \"selector\": \"#nowhere\", \"timeoutMs\": 400}"))
        .isInstanceOf(StepFailedException.class)
        .hasMessage("Timed out waiting for '#nowhere' to be visible");
  }

  @Test
  void navigationTheEgressPolicyRefusesNeverLeavesThePage() {
    executor =
        new StepExecutor(
            new EgressPolicy(false, false), new ArtifactStore(artifactsDir), SECRETS, 10_000_000);
    assertThatThrownBy(
            () -> run("{\"id\": \"g\", \"action\": \"goto\", \"url\": \"" + url() + "next\"}"))
        .isInstanceOf(StepFailedException.class)
        .hasMessageStartingWith("Navigation to " + url() + "next refused: ");
    assertThat(session.page.url()).isEqualTo(url());
  }
}
