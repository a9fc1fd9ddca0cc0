package dev.kestrel.server.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kestrel.server.admin.ManualRunTask;
import dev.kestrel.server.config.KestrelConfiguration;
import io.dropwizard.core.cli.ConfiguredCommand;
import io.dropwizard.core.server.DefaultServerFactory;
import io.dropwizard.core.setup.Bootstrap;
import io.dropwizard.jetty.ConnectorFactory;
import io.dropwizard.jetty.HttpConnectorFactory;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import net.sourceforge.argparse4j.inf.Namespace;
import net.sourceforge.argparse4j.inf.Subparser;

/**
 * {@code run-task --task ID [--inputs JSON] [config.yml]}: queues a run with {@code triggerType:
 * "manual"} (Komos's dashboard button; here the operator's shell). It asks the running server, on
 * its admin port ({@link ManualRunTask}), so the run is admitted and counted exactly as the API's
 * are, and the command returns as soon as the run is accepted.
 */
public class RunTaskCommand extends ConfiguredCommand<KestrelConfiguration> {
  public RunTaskCommand() {
    super("run-task", "Queues a run of a task (triggerType manual) in the running server");
  }

  @Override
  public void configure(Subparser subparser) {
    super.configure(subparser);
    subparser.addArgument("--task").required(true).help("the task's id");
    subparser
        .addArgument("--inputs")
        .help("the run's inputs as a JSON object; the task's defaults otherwise");
  }

  @Override
  protected void run(
      Bootstrap<KestrelConfiguration> bootstrap, Namespace ns, KestrelConfiguration config)
      throws Exception {
    ObjectMapper mapper = bootstrap.getObjectMapper();
    ObjectNode request = mapper.createObjectNode().put("taskId", ns.getString("task"));
    if (ns.getString("inputs") != null) {
      request.set("inputs", inputsObject(mapper, ns.getString("inputs")));
    }
    URI admin = adminUri(config);
    HttpResponse<String> response;
    try {
      response =
          HttpClient.newBuilder()
              .connectTimeout(Duration.ofSeconds(5))
              .build()
              .send(
                  HttpRequest.newBuilder(admin.resolve("/tasks/" + ManualRunTask.NAME))
                      .timeout(Duration.ofSeconds(60))
                      .header("Content-Type", "application/json")
                      .POST(HttpRequest.BodyPublishers.ofString(mapper.writeValueAsString(request)))
                      .build(),
                  HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new OperatorError(
          "no Kestrel server answers on its admin port "
              + admin
              + " (run-task queues the run in the running "
              + "server: start it first, or give run-task the server's configuration file)");
    }
    JsonNode answer = response.statusCode() == 200 ? readAnswer(mapper, response.body()) : null;
    if (answer == null) {
      throw new OperatorError(
          "the server at " + admin + " answered " + response.statusCode() + "; its log says why");
    }
    if (answer.has("detail")) {
      throw new OperatorError("the run was refused: " + mapper.writeValueAsString(answer));
    }
    JsonNode run = answer.get("run");
    System.out.println(
        "run "
            + run.get("id").asText()
            + " of task "
            + run.get("taskId").asText()
            + " queued (triggerType manual)");
  }

  private static JsonNode inputsObject(ObjectMapper mapper, String text) {
    JsonNode inputs;
    try {
      inputs = mapper.readTree(text);
    } catch (JsonProcessingException e) {
      throw new OperatorError("--inputs is not JSON: " + e.getOriginalMessage());
    }
    if (inputs == null || !inputs.isObject()) {
      throw new OperatorError(
          "--inputs must be a JSON object, such as '{\"url\": \"https://example.com\"}'");
    }
    return inputs;
  }

  private static JsonNode readAnswer(ObjectMapper mapper, String body) {
    try {
      JsonNode answer = mapper.readTree(body);
      return answer != null && (answer.has("run") || answer.has("detail")) ? answer : null;
    } catch (JsonProcessingException e) {
      return null;
    }
  }

  /**
   * The admin port of the server this configuration describes; a wildcard host is reached on
   * loopback.
   */
  static URI adminUri(KestrelConfiguration config) {
    String host = "127.0.0.1";
    int port = 8081;
    if (config.getServerFactory() instanceof DefaultServerFactory server
        && !server.getAdminConnectors().isEmpty()) {
      ConnectorFactory connector = server.getAdminConnectors().get(0);
      if (connector instanceof HttpConnectorFactory http) {
        port = http.getPort();
        String bound = http.getBindHost();
        if (bound != null && !bound.isBlank() && !bound.equals("0.0.0.0") && !bound.equals("::")) {
          host = bound.contains(":") ? "[" + bound + "]" : bound;
        }
      }
    }
    return URI.create("http://" + host + ":" + port);
  }

  /**
   * An operator's mistake (unknown task, inputs the task refuses, no server) is one line, not a
   * stack trace.
   */
  @Override
  public void onError(io.dropwizard.core.cli.Cli cli, Namespace namespace, Throwable e) {
    if (e instanceof OperatorError) {
      cli.getStdErr().println("error: " + e.getMessage());
    } else {
      super.onError(cli, namespace, e);
    }
  }
}
