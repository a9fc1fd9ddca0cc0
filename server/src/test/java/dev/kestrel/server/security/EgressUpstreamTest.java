package dev.kestrel.server.security;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kestrel.activities.egress.EgressPolicy;
import dev.kestrel.activities.egress.EgressProxy;
import dev.kestrel.server.support.UpstreamProxy;
import dev.kestrel.testkit.TestPages;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The egress proxy's tunnels through a run's upstream proxy (SPEC 12), on raw sockets: the policy
 * decides the target first, then the tunnel goes through the upstream with its credentials; a
 * refusal of the upstream names it, never its password.
 */
class EgressUpstreamTest {
  @RegisterExtension static final TestPages PAGES = new TestPages();
  @RegisterExtension static final UpstreamProxy UPSTREAM = new UpstreamProxy();

  final List<String> told = new CopyOnWriteArrayList<>();

  private int portOf(EgressProxy egress, String password) {
    int port =
        egress.open(
            new EgressProxy.Listener() {
              @Override
              public void refused(String request, String reason) {
                told.add("refused " + reason);
              }

              @Override
              public void upstreamFailed(String message) {
                told.add("upstream " + message);
              }
            });
    egress.route(
        port,
        new EgressProxy.Upstream(
            "corp", "127.0.0.1", UPSTREAM.port(), UpstreamProxy.USER, password));
    return port;
  }

  /** CONNECT to the test pages through the egress port, then a GET inside the tunnel. */
  private static String tunnel(int egressPort, String path) throws Exception {
    URI pages = URI.create(PAGES.url("/"));
    String target = "127.0.0.1:" + pages.getPort();
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", egressPort), 5_000);
      socket.setSoTimeout(20_000);
      socket
          .getOutputStream()
          .write(
              ("CONNECT " + target + " HTTP/1.1\r\nHost: " + target + "\r\n\r\n")
                  .getBytes(StandardCharsets.ISO_8859_1));
      InputStream in = socket.getInputStream();
      String head = head(in);
      if (!head.startsWith("HTTP/1.1 200")) {
        ByteArrayOutputStream rest = new ByteArrayOutputStream();
        in.transferTo(rest);
        return head + rest.toString(StandardCharsets.UTF_8);
      }
      socket
          .getOutputStream()
          .write(
              ("GET " + path + " HTTP/1.1\r\nHost: " + target + "\r\nConnection: close\r\n\r\n")
                  .getBytes(StandardCharsets.ISO_8859_1));
      ByteArrayOutputStream answer = new ByteArrayOutputStream();
      in.transferTo(answer);
      return answer.toString(StandardCharsets.UTF_8);
    }
  }

  private static String head(InputStream in) throws Exception {
    StringBuilder head = new StringBuilder();
    while (!head.toString().endsWith("\r\n\r\n")) {
      int b = in.read();
      if (b < 0) {
        break;
      }
      head.append((char) b);
    }
    return head.toString();
  }

  @Test
  void aTunnelGoesThroughTheUpstreamWithItsCredentials() throws Exception {
    try (EgressProxy egress = new EgressProxy(new EgressPolicy(true, true))) {
      String answer = tunnel(portOf(egress, UpstreamProxy.PASSWORD), "/tunnelled");

      assertThat(answer).startsWith("HTTP/1.1 200").contains("/tunnelled");
      assertThat(UPSTREAM.seen()).anyMatch(s -> s.startsWith("CONNECT 127.0.0.1:"));
    }
  }

  @Test
  void anUpstreamThatRefusesIsNamedAndItsPasswordIsNot() throws Exception {
    try (EgressProxy egress = new EgressProxy(new EgressPolicy(true, true))) {
      String answer = tunnel(portOf(egress, "wrong-password"), "/never");

      assertThat(answer).startsWith("HTTP/1.1 502").contains("proxy 'corp'").contains("407");
      assertThat(answer).doesNotContain("wrong-password");
      assertThat(told).singleElement().asString().contains("proxy 'corp'").contains("407");
      assertThat(String.join(" ", told)).doesNotContain("wrong-password");
    }
  }

  @Test
  void theEgressPolicyStillDecidesTheTargetBeforeTheUpstreamSeesIt() throws Exception {
    // Strict: no loopback target; the operator's proxy on loopback is allowed as a proxy only.
    EgressPolicy strict = new EgressPolicy(false, false, Set.of("127.0.0.1"));
    assertThat(strict.decideUpstream("127.0.0.1", UPSTREAM.port()).refused()).isFalse();
    assertThat(strict.decide("127.0.0.1", UPSTREAM.port()).refused()).isTrue();
    int before = UPSTREAM.seen().size() + UPSTREAM.refused().size();
    try (EgressProxy egress = new EgressProxy(strict)) {
      String answer = tunnel(portOf(egress, UpstreamProxy.PASSWORD), "/never");

      assertThat(answer).startsWith("HTTP/1.1 403").contains("loopback");
      assertThat(UPSTREAM.seen().size() + UPSTREAM.refused().size())
          .as("the upstream was never asked")
          .isEqualTo(before);
    }
  }
}
