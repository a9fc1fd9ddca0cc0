package dev.kestrel.server.support;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.TextNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.dialect.OpenApi31;
import dev.kestrel.server.resources.OpenApiResource;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpHeaders;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * The OpenAPI document as a contract the integration tests hold the server to: every answer a test
 * gets through {@link ApiClient} or the Java client is checked against the document (its status
 * documented for the operation, its required headers present and valid, its body valid against the
 * schema) with networknt's validator in the OpenAPI 3.1 dialect. An answer the document does not
 * describe fails the test that got it. What was seen is written to {@code
 * target/openapi-coverage.txt} when the test JVM ends.
 */
public final class OpenApiContract {
  private static final String IRI = "https://kestrel.invalid/openapi.json";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Set<String> METHODS = Set.of("get", "put", "post", "delete", "patch");
  private static final OpenApiContract INSTANCE = new OpenApiContract();

  private final JsonNode document;
  private final SchemaRegistry registry;
  private final List<Route> routes = new ArrayList<>();
  private final Map<String, Schema> schemas = new ConcurrentHashMap<>();
  private final Set<String> seen = ConcurrentHashMap.newKeySet();

  private record Route(String template, Pattern pattern, JsonNode item) {}

  private OpenApiContract() {
    try {
      document = new YAMLMapper().readTree(OpenApiResource.document());
      String text = JSON.writeValueAsString(document);
      registry =
          SchemaRegistry.withDefaultDialect(
              OpenApi31.getInstance(),
              builder ->
                  builder
                      .schemas(Map.of(IRI, text))
                      .schemaLoader(loader -> loader.fetchRemoteResources(false)));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    for (Iterator<Map.Entry<String, JsonNode>> it = document.get("paths").fields();
        it.hasNext(); ) {
      Map.Entry<String, JsonNode> path = it.next();
      String regex = Pattern.quote(path.getKey()).replaceAll("\\{[^}]+}", "\\\\E[^/]+\\\\Q");
      routes.add(new Route(path.getKey(), Pattern.compile(regex), path.getValue()));
    }
    Runtime.getRuntime().addShutdownHook(new Thread(this::writeCoverage, "openapi-coverage"));
  }

  public static OpenApiContract get() {
    return INSTANCE;
  }

  /** The parsed document. */
  public JsonNode document() {
    return document;
  }

  /** Every "METHOD template status" the document declares. */
  public Set<String> declared() {
    Set<String> out = new TreeSet<>();
    for (Route route : routes) {
      for (Iterator<String> m = route.item().fieldNames(); m.hasNext(); ) {
        String method = m.next();
        if (METHODS.contains(method)) {
          route
              .item()
              .get(method)
              .get("responses")
              .fieldNames()
              .forEachRemaining(status -> out.add(key(method, route.template(), status)));
        }
      }
    }
    return out;
  }

  /** What the tests of this JVM saw, as "METHOD template status". */
  public Set<String> seen() {
    return new TreeSet<>(seen);
  }

  /**
   * Checks one answer. Answers outside {@code /public/v1}, and 404s of paths the API does not have,
   * are not the document's business.
   *
   * @throws AssertionError naming every way the answer differs from the document
   */
  public void check(String method, URI uri, int status, HttpHeaders headers, String body) {
    String path = uri.getPath();
    Route route =
        routes.stream().filter(r -> r.pattern().matcher(path).matches()).findFirst().orElse(null);
    if (route == null) {
      if (path.startsWith("/public/v1") && status < 400) {
        throw new AssertionError(
            method
                + " "
                + path
                + " answered "
                + status
                + " but the OpenAPI document has no such path");
      }
      return;
    }
    String verb = method.toLowerCase(Locale.ROOT);
    JsonNode operation = route.item().get(verb);
    if (operation == null) {
      if (!verb.equals("head") && !verb.equals("options") && status != 405) {
        throw new AssertionError(
            method + " " + route.template() + " is not documented, yet answered " + status);
      }
      return;
    }
    String pointer = "/paths/" + escape(route.template()) + "/" + verb + "/responses/" + status;
    JsonNode response = operation.path("responses").get(String.valueOf(status));
    String what = method + " " + route.template() + " " + status;
    if (response == null) {
      throw new AssertionError(what + " is not documented; body: " + abbreviate(body));
    }
    seen.add(key(verb, route.template(), String.valueOf(status)));
    if (response.has("$ref")) {
      pointer = response.get("$ref").asText().substring(1);
      response = document.at(pointer);
    }
    List<String> problems = new ArrayList<>();
    checkHeaders(response, pointer, headers, problems);
    checkBody(response, pointer, headers, body, problems);
    if (!problems.isEmpty()) {
      throw new AssertionError(
          what
              + " differs from the OpenAPI document:\n  "
              + String.join("\n  ", problems)
              + "\nbody: "
              + abbreviate(body));
    }
  }

  private void checkHeaders(
      JsonNode response, String pointer, HttpHeaders headers, List<String> problems) {
    for (Iterator<Map.Entry<String, JsonNode>> it = response.path("headers").fields();
        it.hasNext(); ) {
      Map.Entry<String, JsonNode> header = it.next();
      String headerPointer = pointer + "/headers/" + escape(header.getKey());
      JsonNode spec = header.getValue();
      if (spec.has("$ref")) {
        headerPointer = spec.get("$ref").asText().substring(1);
        spec = document.at(headerPointer);
      }
      String value = headers.firstValue(header.getKey()).orElse(null);
      if (value == null) {
        if (spec.path("required").asBoolean(false)) {
          problems.add("header " + header.getKey() + " is required but missing");
        }
        continue;
      }
      for (Error error : schema(headerPointer + "/schema").validate(TextNode.valueOf(value))) {
        problems.add("header " + header.getKey() + ": " + error);
      }
    }
  }

  private void checkBody(
      JsonNode response, String pointer, HttpHeaders headers, String body, List<String> problems) {
    JsonNode content = response.get("content");
    String text = body == null ? "" : body.strip();
    if (content == null) {
      if (!text.isEmpty()) {
        problems.add("the document says no body, yet there is one");
      }
      return;
    }
    String type =
        headers.firstValue("Content-Type").orElse("").split(";")[0].trim().toLowerCase(Locale.ROOT);
    if (!content.has(type)) {
      problems.add(
          "content type '"
              + type
              + "' is not one of "
              + content.properties().stream().map(Map.Entry::getKey).toList());
      return;
    }
    if (!type.equals("application/json")) {
      return;
    }
    JsonNode json;
    try {
      json = JSON.readTree(text);
    } catch (IOException e) {
      problems.add("the body is not JSON: " + e.getMessage());
      return;
    }
    for (Error error : schema(pointer + "/content/" + escape(type) + "/schema").validate(json)) {
      problems.add(error.toString());
    }
  }

  /**
   * The problems of {@code value} against the schema at {@code pointer} of the document (empty when
   * valid).
   */
  public List<String> validate(String pointer, JsonNode value) {
    return schema(pointer).validate(value).stream().map(Error::toString).toList();
  }

  private Schema schema(String pointer) {
    return schemas.computeIfAbsent(
        pointer, p -> registry.getSchema(SchemaLocation.of(IRI + "#" + p)));
  }

  private static String escape(String token) {
    return token.replace("~", "~0").replace("/", "~1");
  }

  private static String key(String method, String template, String status) {
    return method.toUpperCase(Locale.ROOT) + " " + template + " " + status;
  }

  private static String abbreviate(String body) {
    return body == null ? "" : body.length() > 600 ? body.substring(0, 600) + "…" : body;
  }

  private void writeCoverage() {
    if (seen.isEmpty()) {
      return;
    }
    Set<String> unseen = declared();
    unseen.removeAll(seen);
    StringBuilder out =
        new StringBuilder(
            "# Answers the tests of one JVM got, each validated against the OpenAPI document\n");
    seen().forEach(s -> out.append("seen    ").append(s).append('\n'));
    unseen.forEach(s -> out.append("unseen  ").append(s).append('\n'));
    try {
      Path target = Path.of("target");
      if (Files.isDirectory(target)) {
        Files.writeString(target.resolve("openapi-coverage.txt"), out);
      }
    } catch (IOException e) {
      System.err.println("could not write the OpenAPI coverage: " + e);
    }
  }
}
