package dev.kestrel.server.resources;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kestrel.activities.egress.EgressPolicy;
import dev.kestrel.model.WebhookEvent;
import dev.kestrel.server.core.InvalidRequest;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Which targets an endpoint may have, by configuration; link-local and metadata never. */
class WebhookEndpointReaderTest {
  static final ObjectMapper JSON = new ObjectMapper();

  private static byte[] body(String json) {
    return json.getBytes(StandardCharsets.UTF_8);
  }

  private static String refusal(WebhookEndpointReader reader, String url) throws Exception {
    try {
      reader.read(body("{\"url\": \"" + url + "\"}"));
      return null;
    } catch (InvalidRequest e) {
      return e.detail().toString();
    }
  }

  @Test
  void loopbackAndPrivateTargetsOnlyWhenConfigurationAllowsThem() throws Exception {
    WebhookEndpointReader strict =
        new WebhookEndpointReader(JSON, new EgressPolicy(false, false)::refusal);
    WebhookEndpointReader embedded =
        new WebhookEndpointReader(JSON, new EgressPolicy(true, false)::refusal);

    assertThat(refusal(strict, "http://127.0.0.1:8080/hook"))
        .contains("loopback address (not allowed by configuration)");
    assertThat(refusal(strict, "http://[::1]/hook")).contains("loopback");
    assertThat(refusal(strict, "http://10.0.0.7/hook"))
        .contains("private address (not allowed by configuration)");
    assertThat(refusal(strict, "http://192.168.1.1/hook")).contains("private address");
    assertThat(refusal(embedded, "http://127.0.0.1:8080/hook")).isNull();
    assertThat(refusal(embedded, "http://172.16.0.1/hook")).contains("private address");
    for (WebhookEndpointReader any : new WebhookEndpointReader[] {strict, embedded}) {
      assertThat(refusal(any, "http://169.254.169.254/latest")).contains("always refused");
      assertThat(refusal(any, "http://[fd00:ec2::254]/latest")).contains("always refused");
      // The address forms a probe found accepted: hex, octal and decimal, a trailing dot.
      assertThat(refusal(any, "http://0xa9fea9fe/")).contains("always refused");
      assertThat(refusal(any, "http://025177524776/")).contains("always refused");
      assertThat(refusal(any, "http://metadata.google.internal./")).contains("always refused");
    }
    for (String loopback :
        new String[] {
          "http://0x7f000001/", "http://0177.0.0.1/", "http://[::127.0.0.1]/", "http://2130706433/"
        }) {
      assertThat(refusal(strict, loopback)).as(loopback).contains("loopback");
    }
  }

  @Test
  void eventsAreDeduplicatedInTheirOrder() throws Exception {
    WebhookEndpointReader reader =
        new WebhookEndpointReader(JSON, new EgressPolicy(true, true)::refusal);
    var valid =
        reader.read(
            body(
                "{\"url\": \"https://example.com/h\", \"events\": [\"task-run.log\", \"task-run.started\", \"task-run.log\"], \"taskId\": null}"));
    assertThat(valid.events()).containsExactly(WebhookEvent.LOG, WebhookEvent.STARTED);
    assertThat(valid.taskId()).isNull();
    assertThatThrownBy(
            () -> reader.read(body("{\"url\": \"https://example.com/h\", \"events\": [1]}")))
        .isInstanceOf(InvalidRequest.class);
  }
}
