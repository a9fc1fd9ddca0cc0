package dev.kestrel.activities.browser;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.kestrel.activities.egress.EgressPolicy;
import dev.kestrel.model.StepSpec;
import dev.kestrel.store.ArtifactStore;
import dev.kestrel.workflows.BrowserActivities;
import java.net.InetSocketAddress;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The egress boundary as a page meets it: real Chromium slots behind the worker's egress proxy, a
 * "secret" service on 127.0.0.1 that pages try to reach by every route the probe found, and a page
 * with thousands of requests. The secret service counts what reached it.
 */
class EgressBoundaryTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  HttpServer secret;
  HttpServer pages;
  final AtomicInteger secretHits = new AtomicInteger();
  final AtomicInteger imageHits = new AtomicInteger();
  volatile com.sun.net.httpserver.Headers pageRequestHeaders;
  BrowserPool pool;

  /** What the activity would have logged: each step's notes, taken at its end. */
  final List<BrowserSession.Note> logged = new java.util.concurrent.CopyOnWriteArrayList<>();

  @TempDir Path artifactsDir;

  @BeforeEach
  void startServices() throws Exception {
    secret = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    secret.createContext(
        "/",
        exchange -> {
          secretHits.incrementAndGet();
          byte[] body = "{\"secret\": true}".getBytes(StandardCharsets.UTF_8);
          exchange.sendResponseHeaders(200, body.length);
          exchange.getResponseBody().write(body);
          exchange.close();
        });
    secret.start();
    pages = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    pages.setExecutor(Executors.newFixedThreadPool(8));
    pages.createContext(
        "/redirect",
        exchange -> {
          exchange
              .getResponseHeaders()
              .add("Location", "http://127.0.0.1:" + secretPort() + "/after-redirect");
          exchange.sendResponseHeaders(302, -1);
          exchange.close();
        });
    pages.createContext(
        "/img",
        exchange -> {
          imageHits.incrementAndGet();
          exchange.sendResponseHeaders(404, -1);
          exchange.close();
        });
    pages.createContext(
        "/",
        exchange -> {
          pageRequestHeaders = exchange.getRequestHeaders();
          byte[] body = "<title>allowed</title><p>allowed</p>".getBytes(StandardCharsets.UTF_8);
          exchange.getResponseHeaders().add("Content-Type", "text/html");
          exchange.sendResponseHeaders(200, body.length);
          exchange.getResponseBody().write(body);
          exchange.close();
        });
    pages.start();
  }

  @AfterEach
  void stopAll() {
    if (pool != null) {
      pool.close();
    }
    secret.stop(0);
    pages.stop(0);
  }

  int secretPort() {
    return secret.getAddress().getPort();
  }

  int pagesPort() {
    return pages.getAddress().getPort();
  }

  BrowserSession open(EgressPolicy policy) throws Exception {
    pool =
        new BrowserPool(
            "egress-test",
            new BrowserSettings(
                System.getProperty("kestrel.chromium", "/usr/bin/chromium"),
                1,
                true,
                List.of(),
                policy,
                Duration.ofSeconds(5),
                Duration.ofSeconds(5),
                Duration.ofMinutes(5),
                100L * 1024 * 1024,
                100,
                0,
                0),
            runId -> false,
            (runIds, now) -> java.util.Set.of(),
            new ArtifactStore(artifactsDir),
            new io.micrometer.core.instrument.simple.SimpleMeterRegistry());
    BrowserSlot slot = pool.tryAcquire(1_000);
    return pool.open(slot, "run-1", dev.kestrel.model.TraceMode.OFF, 1, null)
        .get(60, TimeUnit.SECONDS);
  }

  Map<String, Object> step(BrowserSession session, String json) throws Exception {
    StepSpec step = JSON.readValue(json, StepSpec.class);
    StepExecutor executor =
        new StepExecutor(
            pool.settings().egress(),
            new ArtifactStore(artifactsDir),
            StepExecutorTest.SECRETS,
            10_000_000);
    try {
      return session
          .slot()
          .submit(
              () -> {
                session.beginStep(step.id());
                try {
                  return executor.execute(session, "run-1", step, 10_000);
                } finally {
                  session.endStep();
                  logged.addAll(session.takeNotes(true));
                }
              })
          .get(60, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      throw e.getCause() instanceof Exception cause ? cause : e;
    }
  }

  static String dataPage(String html) {
    return "data:text/html," + URLEncoder.encode(html, StandardCharsets.UTF_8).replace("+", "%20");
  }

  @Test
  void underTheStrictPolicyNoRouteToLoopbackReachesIt() throws Exception {
    BrowserSession session = open(new EgressPolicy(false, false));
    int p = secretPort();
    String page =
        dataPage(
            "<script>"
                + "const urls = ['http://localhost.:"
                + p
                + "/a', 'http://foo.localhost:"
                + p
                + "/b', 'http://127.0.0.1:"
                + p
                + "/c',"
                + " 'http://0x7f000001:"
                + p
                + "/d', 'http://0177.0.0.1:"
                + p
                + "/e', 'http://2130706433:"
                + p
                + "/f',"
                + " 'http://[::ffff:127.0.0.1]:"
                + p
                + "/g', 'http://[::1]:"
                + p
                + "/h', 'https://127.0.0.1:"
                + p
                + "/i'];"
                + "for (const u of urls) { fetch(u, {mode: 'no-cors'}).catch(() => {}); new Image().src = u + '-img'; }"
                + "try { new WebSocket('ws://127.0.0.1:"
                + p
                + "/ws'); } catch (e) {}"
                + "</script><p>probe</p>");
    step(session, "{\"id\": \"probe\", \"action\": \"goto\", \"url\": \"" + page + "\"}");
    step(session, "{\"id\": \"wait\", \"action\": \"waitFor\", \"ms\": 2000}");

    assertThat(secretHits.get()).isZero();
    assertThat(logged)
        .extracting(BrowserSession.Note::message)
        .anyMatch(m -> m.contains("Egress refused") && m.contains("loopback"));
    assertThat(logged).extracting(BrowserSession.Note::nodeId).contains("probe");
  }

  @Test
  void aRedirectToTheHostsOwnPortFailsTheNavigationAsEgressRefused() throws Exception {
    EgressPolicy developer = new EgressPolicy(true, true);
    developer.protectPort(secretPort()); // as the server protects its API, admin and engine ports
    BrowserSession session = open(developer);

    assertThatThrownBy(
            () ->
                step(
                    session,
                    "{\"id\": \"hop\", \"action\": \"goto\", \"url\": \"http://127.0.0.1:"
                        + pagesPort()
                        + "/redirect\"}"))
        .isInstanceOf(StepFailedException.class)
        .hasMessageContaining("refused")
        .hasMessageContaining("own services")
        .extracting(e -> ((StepFailedException) e).failureType())
        .isEqualTo(BrowserActivities.EGRESS_REFUSED);
    assertThat(secretHits.get()).isZero();

    // The allowed page itself still loads through the proxy.
    step(
        session,
        "{\"id\": \"ok\", \"action\": \"goto\", \"url\": \"http://127.0.0.1:"
            + pagesPort()
            + "/\"}");
    assertThat(
            step(
                session,
                "{\"id\": \"t\", \"action\": \"extract\", \"selector\": \"p\", \"output\": \"text\"}"))
        .containsEntry("text", "allowed");
    assertThat(pageRequestHeaders.keySet())
        .as("the proxy does not announce itself")
        .noneMatch(
            h ->
                h.equalsIgnoreCase("Via")
                    || h.equalsIgnoreCase("Forwarded")
                    || h.toLowerCase().startsWith("x-forwarded"));
  }

  @Test
  void aNameThatDoesNotResolveFailsTheNavigationNotAsEgressRefused() throws Exception {
    BrowserSession session = open(new EgressPolicy(false, false));
    for (String url :
        new String[] {"http://no-such-host.invalid/", "https://no-such-host.invalid/"}) {
      assertThatThrownBy(
              () ->
                  step(
                      session, "{\"id\": \"dns\", \"action\": \"goto\", \"url\": \"" + url + "\"}"))
          .as(url)
          .satisfies(
              e ->
                  assertThat(
                          e instanceof StepFailedException failed
                              ? failed.failureType()
                              : "playwright")
                      .isNotEqualTo(BrowserActivities.EGRESS_REFUSED));
    }
    assertThat(logged)
        .extracting(BrowserSession.Note::message)
        .noneMatch(m -> m.contains("Egress refused"));
  }

  @Test
  void aPageWithThousandsOfRequestsCompletesAndTheSlotStaysUsable() throws Exception {
    BrowserSession session = open(new EgressPolicy(true, true));
    String heavy =
        dataPage(
            "<script>for (let i = 0; i < 3000; i++) { new Image().src = 'http://127.0.0.1:"
                + pagesPort()
                + "/img' + i;"
                + " console.log('image ' + i); }</script><p>heavy</p>");
    step(
        session,
        "{\"id\": \"heavy\", \"action\": \"goto\", \"url\": \""
            + heavy
            + "\", \"timeoutMs\": 120000}");
    step(session, "{\"id\": \"wait\", \"action\": \"waitFor\", \"ms\": 4000}");

    assertThat(imageHits.get()).isGreaterThan(100);
    // Bounded: 50 console lines kept per step, the rest counted in one line; the page's own
    // failed requests (the images are 404s) are one line too.
    List<BrowserSession.Note> ofHeavy =
        logged.stream().filter(n -> "heavy".equals(n.nodeId())).toList();
    assertThat(ofHeavy).hasSize(BrowserSession.MAX_NOTES + 2);
    assertThat(ofHeavy.get(ofHeavy.size() - 2).message())
        .startsWith("Page: 3000 of its own requests failed: 404 GET ")
        .endsWith(" and 2997 more");
    assertThat(ofHeavy.get(ofHeavy.size() - 1).message()).contains("more browser messages");

    pool.close(session.id());
    BrowserSession next =
        pool.open(pool.tryAcquire(5_000), "run-2", dev.kestrel.model.TraceMode.OFF, 1, null)
            .get(60, TimeUnit.SECONDS);
    step(
        next,
        "{\"id\": \"ok\", \"action\": \"goto\", \"url\": \"http://127.0.0.1:"
            + pagesPort()
            + "/\"}");
  }

  @Test
  void thousandsOfRefusedRequestsAreCountedNotLoggedOneByOne() throws Exception {
    BrowserSession session = open(new EgressPolicy(false, false));
    String heavy =
        dataPage(
            "<script>for (let i = 0; i < 3000; i++) { new Image().src = 'http://127.0.0.1:"
                + secretPort()
                + "/img' + i; }</script>");
    // The page's load waits for all 3,000 refusals; on 2 busy cores that can take longer than the
    // default step timeout, and only the counting is under test here.
    step(
        session,
        "{\"id\": \"heavy\", \"action\": \"goto\", \"url\": \""
            + heavy
            + "\", \"timeoutMs\": 50000}");
    step(session, "{\"id\": \"wait\", \"action\": \"waitFor\", \"ms\": 4000}");

    assertThat(secretHits.get()).isZero();
    assertThat(logged).hasSizeLessThanOrEqualTo(2 * (BrowserSession.MAX_NOTES + 1));
    assertThat(logged.get(0).message())
        .startsWith("Egress refused GET http://127.0.0.1:" + secretPort() + "/img");
  }
}
