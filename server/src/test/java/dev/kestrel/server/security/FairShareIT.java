package dev.kestrel.server.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kestrel.server.config.KestrelConfiguration;
import dev.kestrel.server.core.Organizations;
import dev.kestrel.server.support.ApiClient;
import dev.kestrel.server.support.TestApps;
import dev.kestrel.store.records.Organization;
import io.dropwizard.testing.junit5.DropwizardAppExtension;
import io.dropwizard.testing.junit5.DropwizardExtensionsSupport;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * One organization cannot exhaust the server for the others: long polls hold no thread and are
 * capped per organization (429), a closed connection frees its place at once, queueing is capped by
 * the organization's active runs, and its request rate by a token bucket. Traffic goes to 127.0.0.1
 * only.
 */
@ExtendWith(DropwizardExtensionsSupport.class)
class FairShareIT {
  static final int MAX_WAITING = 100;
  static final DropwizardAppExtension<KestrelConfiguration> APP =
      TestApps.app(config -> config.limits().fairShare(MAX_WAITING, 5, 100_000));

  static ApiClient greedy;
  static ApiClient other;
  static String greedyKey;
  static String slowTask;

  @BeforeAll
  static void twoOrganizations() {
    Organizations organizations = TestApps.installed(APP).organizations();
    organizations.create("greedy", null, null);
    organizations.create("other", null, null);
    greedyKey = organizations.issueKey("greedy", "fair share test").secret();
    greedy = TestApps.api(APP).withKey(greedyKey);
    other = TestApps.api(APP).withKey(organizations.issueKey("other", "fair share test").secret());
    slowTask =
        TestApps.createTask(
            greedy,
            "{\"name\": \"Slow\", \"steps\": [{\"id\": \"w\", \"action\": \"waitFor\", \"ms\": 60000}]}");
  }

  @Test
  void elevenHundredAbandonedLongPollsLeaveThePoolIdleAndOthersServed() throws Exception {
    String runId = TestApps.queue(greedy, slowTask, "{}");
    String otherTask =
        TestApps.createTask(
            other,
            "{\"name\": \"Quick\", \"steps\": [{\"id\": \"w\", \"action\": \"waitFor\", \"ms\": 1}]}");
    String otherRun = TestApps.queue(other, otherTask, "{}");
    String request =
        "GET /public/v1/task-runs/"
            + runId
            + "?waitForFinish=60 HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            + "Authorization: Bearer "
            + greedyKey
            + "\r\n\r\n";
    // Half of them as a browser asks, compressed: their keep-alive writes must reach the socket
    // too.
    String gzipRequest = request.replace("\r\n\r\n", "\r\nAccept-Encoding: gzip\r\n\r\n");

    List<Socket> polls = new ArrayList<>();
    int tooMany = 0;
    try {
      for (int i = 0; i < 1_100; i++) {
        Socket socket = new Socket();
        socket.connect(new InetSocketAddress("127.0.0.1", APP.getLocalPort()), 5_000);
        socket
            .getOutputStream()
            .write((i % 2 == 0 ? request : gzipRequest).getBytes(StandardCharsets.US_ASCII));
        socket.getOutputStream().flush();
        polls.add(socket);
      }
      // Those over the cap are answered 429 with Retry-After at once; the others get a 200 whose
      // body (the run) comes when it ends.
      List<Socket> unanswered = new ArrayList<>(polls);
      int waiting = 0;
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (!unanswered.isEmpty() && System.nanoTime() < deadline) {
        for (Socket socket : List.copyOf(unanswered)) {
          socket.setSoTimeout(20);
          String head = readHead(socket);
          if (head.startsWith("HTTP/1.1 429")) {
            assertThat(head).containsIgnoringCase("Retry-After:");
            tooMany++;
            unanswered.remove(socket);
          } else if (head.startsWith("HTTP/1.1 200")) {
            waiting++;
            unanswered.remove(socket);
          } else {
            assertThat(head).as("no answer yet, or a whole head").isEmpty();
          }
        }
      }
      assertThat(tooMany).isEqualTo(1_100 - MAX_WAITING);
      assertThat(waiting).isEqualTo(MAX_WAITING);
      assertThat(busyThreads()).as("suspended long polls hold no thread").isLessThan(30);

      long began = System.nanoTime();
      assertThat(other.get("/public/v1/task-runs/" + otherRun).status()).isEqualTo(200);
      assertThat(Duration.ofNanos(System.nanoTime() - began)).isLessThan(Duration.ofSeconds(1));
    } finally {
      for (Socket socket : polls) {
        socket.close();
      }
    }

    // Closed by the client: their places are free again long before their 60 s.
    await()
        .atMost(Duration.ofSeconds(20))
        .pollInterval(Duration.ofMillis(250))
        .until(
            () -> greedy.get("/public/v1/task-runs/" + runId + "?waitForFinish=1").status(),
            status -> status == 200);
    assertThat(busyThreads()).isLessThan(30);
    greedy.post("/public/v1/task-runs/" + runId + "/cancel", "{}");
  }

  @Test
  void queueingIsCappedByTheOrganizationsActiveRunsItsOwnCapFirst() {
    Organizations organizations = TestApps.installed(APP).organizations();
    organizations.create("capped", null, null);
    organizations.setLimits("capped", null, new Organization.FairShare(3, null, null));
    ApiClient capped =
        TestApps.api(APP).withKey(organizations.issueKey("capped", "fair share test").secret());
    String task =
        TestApps.createTask(
            capped,
            "{\"name\": \"Slow\", \"steps\": [{\"id\": \"w\", \"action\": \"waitFor\", \"ms\": 60000}]}");

    List<String> accepted = new ArrayList<>();
    ApiClient.Answer answer;
    while ((answer = capped.post("/public/v1/tasks/" + task + "/runs", "{}")).status() == 202) {
      accepted.add(answer.json().at("/run/id").asText());
      assertThat(accepted).hasSizeLessThanOrEqualTo(10);
    }
    assertThat(answer.status()).isEqualTo(429);
    assertThat(answer.json().get("detail").asText()).isEqualTo("too_many_active_runs");
    assertThat(answer.header("Retry-After")).matches("\\d+");
    assertThat(accepted).as("the organization's own cap, not the server's 5").hasSize(3);

    String otherTask =
        TestApps.createTask(
            other,
            "{\"name\": \"Mine\", \"steps\": [{\"id\": \"w\", \"action\": \"waitFor\", \"ms\": 1}]}");
    assertThat(other.post("/public/v1/tasks/" + otherTask + "/runs", "{}").status())
        .as("another organization")
        .isEqualTo(202);

    // A cancelled run frees its place.
    capped.post("/public/v1/task-runs/" + accepted.get(0) + "/cancel", "{}");
    TestApps.awaitStatus(capped, accepted.get(0), "CANCELLED", java.time.Duration.ofSeconds(30));
    assertThat(capped.post("/public/v1/tasks/" + task + "/runs", "{}").status()).isEqualTo(202);
  }

  @Test
  void abandonedLogStreamsFreeTheirPlaces() throws Exception {
    Organizations organizations = TestApps.installed(APP).organizations();
    organizations.create("streamer", null, null);
    String key = organizations.issueKey("streamer", "fair share test").secret();
    ApiClient streamer = TestApps.api(APP).withKey(key);
    String task =
        TestApps.createTask(
            streamer,
            "{\"name\": \"Slow\", \"steps\": [{\"id\": \"w\", \"action\": \"waitFor\", \"ms\": 60000}]}");
    String runId = TestApps.queue(streamer, task, "{}");
    String request =
        "GET /public/v1/task-runs/"
            + runId
            + "/logs HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n"
            + "Authorization: Bearer "
            + key
            + "\r\n\r\n";

    List<Socket> streams = new ArrayList<>();
    try {
      for (int i = 0; i < MAX_WAITING; i++) {
        streams.add(open(request));
      }
      for (Socket stream : streams) {
        stream.setSoTimeout(10_000);
        assertThat(readHead(stream))
            .startsWith("HTTP/1.1 200")
            .containsIgnoringCase("text/event-stream");
      }
      try (Socket oneTooMany = open(request)) {
        oneTooMany.setSoTimeout(10_000);
        assertThat(readHead(oneTooMany)).startsWith("HTTP/1.1 429");
      }
      assertThat(busyThreads()).as("open streams hold no thread").isLessThan(30);
    } finally {
      for (Socket stream : streams) {
        stream.close();
      }
    }

    // The streams' keep-alive writes find them gone; their places are free again.
    await()
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofSeconds(1))
        .until(
            () -> {
              try (Socket again = open(request)) {
                again.setSoTimeout(10_000);
                return readHead(again);
              }
            },
            head -> head.startsWith("HTTP/1.1 200"));
    streamer.post("/public/v1/task-runs/" + runId + "/cancel", "{}");
  }

  static Socket open(String request) throws Exception {
    Socket socket = new Socket();
    socket.connect(new InetSocketAddress("127.0.0.1", APP.getLocalPort()), 5_000);
    socket.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
    socket.getOutputStream().flush();
    return socket;
  }

  static String readHead(Socket socket) throws Exception {
    InputStream in = socket.getInputStream();
    StringBuilder head = new StringBuilder();
    try {
      int c;
      while ((c = in.read()) >= 0 && head.length() < 4096) {
        head.append((char) c);
        if (head.length() >= 4 && head.substring(head.length() - 4).equals("\r\n\r\n")) {
          break;
        }
      }
    } catch (java.net.SocketTimeoutException stillWaiting) {
      // A suspended long poll: no answer yet.
    }
    return head.toString();
  }

  static int busyThreads() {
    return ((QueuedThreadPool)
            APP.getEnvironment().getApplicationContext().getServer().getThreadPool())
        .getBusyThreads();
  }
}
