package dev.kestrel.server.security;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kestrel.server.config.KestrelConfiguration;
import dev.kestrel.server.support.ApiClient;
import dev.kestrel.server.support.TestApps;
import io.dropwizard.testing.junit5.DropwizardAppExtension;
import io.dropwizard.testing.junit5.DropwizardExtensionsSupport;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Malformed HTTP, as a probe sends it over a raw socket: every answer is a 4xx in the {@code
 * {"detail": ...}} shape (never Jetty's HTML page, never a 500), and nothing is stored.
 */
@ExtendWith(DropwizardExtensionsSupport.class)
class MalformedHttpIT {
  static final DropwizardAppExtension<KestrelConfiguration> APP = TestApps.shared();
  static final String TASK =
      "{\"name\": \"x\", \"steps\": [{\"id\": \"a\", \"action\": \"waitFor\", \"ms\": 1}]}";

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "a declared 1 TB body | POST | Content-Length: 1099511627776 | {} | 413",
        "a bad chunk size | POST | Transfer-Encoding: chunked | zzCRLF{}CRLF0CRLFCRLF | 400",
        "a body that is not gzip | POST | Content-Encoding: gzip | not gzip at all | 400",
        "an impossible Content-Length | POST | Content-Length: -5 | {} | 400",
        "two Content-Lengths | POST | Content-Length: 2CRLFContent-Length: 3 | {} | 400",
        "a bad request line | NOT A REQUEST LINE AT ALL | | | 400",
        "an unknown HTTP version | GET /public/v1/tasks HTTP/9.9 | | | 505",
        "a bad percent-encoding | GET /public/v1/task-runs/%zz HTTP/1.1 | | | 400",
        "a header too large | GET | X-Big: BIG | | 431",
      })
  void answersJsonAndStoresNothing(
      String name, String method, String header, String body, int status) throws Exception {
    int tasksBefore = TestApps.api(APP).get("/public/v1/tasks").json().get("total").asInt();
    String requestLine = method.contains(" ") ? method : method + " /public/v1/tasks HTTP/1.1";
    String headers =
        header == null
            ? ""
            : header.replace("BIG", "b".repeat(64 * 1024)).replace("CRLF", "\r\n") + "\r\n";
    byte[] content =
        body == null
            ? new byte[0]
            : body.replace("{}", TASK).replace("CRLF", "\r\n").getBytes(StandardCharsets.UTF_8);
    if (header != null && header.startsWith("Content-Encoding")
        || header == null && method.equals("POST")) {
      headers += "Content-Length: " + content.length + "\r\n";
    }
    String head =
        requestLine
            + "\r\nHost: 127.0.0.1\r\nAuthorization: Bearer "
            + TestApps.KEY
            + "\r\n"
            + "Content-Type: application/json\r\n"
            + headers
            + "Connection: close\r\n\r\n";

    String answer = exchange(head.getBytes(StandardCharsets.ISO_8859_1), content);

    assertThat(answer).as(name).startsWith("HTTP/1.1 " + status);
    String answerHead = answer.substring(0, answer.indexOf("\r\n\r\n")).toLowerCase(Locale.ROOT);
    assertThat(answerHead).as(name).contains("content-type: application/json");
    JsonNode json = ApiClient.parse(answer.substring(answer.indexOf("\r\n\r\n") + 4));
    assertThat(json.has("detail")).as(name + ": " + json).isTrue();
    assertThat(TestApps.api(APP).get("/public/v1/tasks").json().get("total").asInt())
        .isEqualTo(tasksBefore);
  }

  @Test
  void anOversizedBodyAnnouncedWithExpectContinueGets413InsteadOf100Continue() throws Exception {
    String head =
        "POST /public/v1/tasks HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer "
            + TestApps.KEY
            + "\r\n"
            // Over the limit of a request that may carry an upload's file (about 8 MB), the
            // largest a task may be.
            + "Content-Type: application/json\r\nContent-Length: 20000000\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n";

    // The body is never sent: a client that asked first waits for the answer.
    String answer = exchange(head.getBytes(StandardCharsets.ISO_8859_1), new byte[0]);

    assertThat(answer).startsWith("HTTP/1.1 413").doesNotContain("100 Continue");
    assertThat(
            ApiClient.parse(answer.substring(answer.indexOf("\r\n\r\n") + 4))
                .get("detail")
                .asText())
        .isEqualTo("request_too_large");
  }

  static String exchange(byte[] head, byte[] body) throws Exception {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", APP.getLocalPort()), 5_000);
      socket.setSoTimeout(15_000);
      socket.getOutputStream().write(head);
      socket.getOutputStream().write(body);
      socket.getOutputStream().flush();
      InputStream in = socket.getInputStream();
      ByteArrayOutputStream answer = new ByteArrayOutputStream();
      in.transferTo(answer);
      return answer.toString(StandardCharsets.UTF_8);
    } catch (java.net.SocketException reset) {
      return "connection reset: " + reset.getMessage();
    }
  }
}
