package dev.kestrel.api.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kestrel.activities.egress.EgressPolicy;
import dev.kestrel.api.errors.ApiException;
import dev.kestrel.model.WebhookEvent;
import org.junit.jupiter.api.Test;

/** Which targets an endpoint may have, by configuration; link-local and metadata never. */
class WebhookEndpointValidatorTest {
  static final ObjectMapper JSON = new ObjectMapper();

  private static ObjectNode body(String json) throws Exception {
    return (ObjectNode) JSON.readTree(json);
  }

  private static String refusal(WebhookEndpointValidator validator, String url) throws Exception {
    try {
      validator.validate(body("{\"url\": \"" + url + "\"}"));
      return null;
    } catch (ApiException e) {
      return e.detail().toString();
    }
  }

  @Test
  void loopbackAndPrivateTargetsOnlyWhenConfigurationAllowsThem() throws Exception {
    WebhookEndpointValidator strict = new WebhookEndpointValidator(new EgressPolicy(false, false));
    WebhookEndpointValidator embedded = new WebhookEndpointValidator(new EgressPolicy(true, false));

    assertThat(refusal(strict, "http://127.0.0.1:8080/hook")).contains("loopback address (not allowed by configuration)");
    assertThat(refusal(strict, "http://[::1]/hook")).contains("loopback");
    assertThat(refusal(strict, "http://10.0.0.7/hook")).contains("private address (not allowed by configuration)");
    assertThat(refusal(strict, "http://192.168.1.1/hook")).contains("private address");
    assertThat(refusal(embedded, "http://127.0.0.1:8080/hook")).isNull();
    assertThat(refusal(embedded, "http://172.16.0.1/hook")).contains("private address");
    for (WebhookEndpointValidator any : new WebhookEndpointValidator[] {strict, embedded}) {
      assertThat(refusal(any, "http://169.254.169.254/latest")).contains("always refused");
      assertThat(refusal(any, "http://[fd00:ec2::254]/latest")).contains("always refused");
    }
  }

  @Test
  void eventsAreDeduplicatedInTheirOrder() throws Exception {
    WebhookEndpointValidator validator = new WebhookEndpointValidator(new EgressPolicy(true, true));
    var valid = validator.validate(body(
        "{\"url\": \"https://example.com/h\", \"events\": [\"task-run.log\", \"task-run.started\", \"task-run.log\"], \"taskId\": null}"));
    assertThat(valid.events()).containsExactly(WebhookEvent.LOG, WebhookEvent.STARTED);
    assertThat(valid.taskId()).isNull();
    assertThatThrownBy(() -> validator.validate(body("{\"url\": \"https://example.com/h\", \"events\": [1]}")))
        .isInstanceOf(ApiException.class);
  }
}
