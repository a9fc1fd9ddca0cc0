package dev.kestrel.server.resources;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kestrel.model.WebhookEvent;
import dev.kestrel.server.core.EgressCheck;
import dev.kestrel.server.core.Ids;
import dev.kestrel.server.core.Problems;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * Reads {@code POST /webhook-endpoints} bodies: an http(s) URL the egress policy lets us reach,
 * known event names, a canonical task id. Every problem is named in one answer.
 */
public final class WebhookEndpointReader {
  private static final Set<String> FIELDS = Set.of("url", "events", "taskId");
  private static final int MAX_URL = 2000;

  private final ObjectMapper mapper;
  private final EgressCheck egress;

  public WebhookEndpointReader(ObjectMapper mapper, EgressCheck egress) {
    this.mapper = mapper;
    this.egress = egress;
  }

  /** An endpoint as a client asks for it; no events means every event, no task every task. */
  public record WebhookEndpointRequest(String url, List<WebhookEvent> events, String taskId) {}

  public WebhookEndpointRequest read(byte[] body) {
    return read(JsonObjectReader.body(mapper, body, false));
  }

  WebhookEndpointRequest read(JsonObjectReader body) {
    body.allowOnly(FIELDS);
    Problems problems = body.problems();
    String url = url(body.node().get("url"), problems);
    List<WebhookEvent> events = events(body.node().get("events"), problems);
    String taskId = null;
    JsonNode task = body.get("taskId");
    if (task != null) {
      if (!task.isTextual() || !Ids.isCanonical(task.asText())) {
        problems.add(body.at("taskId"), "uuid_parsing", "taskId must be a canonical UUID");
      } else {
        taskId = task.asText().toLowerCase(Locale.ROOT);
      }
    }
    body.throwIfAny();
    return new WebhookEndpointRequest(url, events, taskId);
  }

  private String url(JsonNode node, Problems problems) {
    List<Object> loc = List.of("body", "url");
    if (node == null || node.isNull()) {
      problems.add(loc, "missing", "url is required");
      return null;
    }
    if (!node.isTextual() || node.asText().length() > MAX_URL) {
      problems.add(
          loc, "string_type", "url must be a string of at most " + MAX_URL + " characters");
      return null;
    }
    String url = node.asText().trim();
    URI uri;
    try {
      uri = new URI(url);
    } catch (URISyntaxException e) {
      problems.add(loc, "url_parsing", "url is not a valid URL");
      return null;
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("http") && !scheme.equals("https")) {
      problems.add(loc, "url_scheme", "url must be http or https");
      return null;
    }
    if (uri.getHost() == null || uri.getHost().isEmpty()) {
      problems.add(loc, "url_parsing", "url has no host");
      return null;
    }
    if (uri.getUserInfo() != null) {
      problems.add(loc, "url_parsing", "url must not carry credentials");
      return null;
    }
    // Checked again at every delivery: DNS may change after this.
    String refusal = egress.refusal(url);
    if (refusal != null) {
      problems.add(loc, "url_refused", "url is refused: " + refusal);
      return null;
    }
    return url;
  }

  private static List<WebhookEvent> events(JsonNode node, Problems problems) {
    List<WebhookEvent> events = new ArrayList<>();
    if (node == null || node.isNull()) {
      return events;
    }
    if (!node.isArray()) {
      problems.add(List.of("body", "events"), "list_type", "events must be a list of event names");
      return events;
    }
    for (int i = 0; i < node.size(); i++) {
      JsonNode item = node.get(i);
      Optional<WebhookEvent> event =
          item.isTextual() ? WebhookEvent.find(item.asText()) : Optional.empty();
      if (event.isEmpty()) {
        problems.add(
            List.of("body", "events", i),
            "enum",
            "events must be among task-run.started, task-run.completed, task-run.failed, task-run.cancelled, task-run.log");
      } else if (!events.contains(event.get())) {
        events.add(event.get());
      }
    }
    return events;
  }
}
