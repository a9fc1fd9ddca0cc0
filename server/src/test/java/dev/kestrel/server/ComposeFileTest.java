package dev.kestrel.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * No Docker engine runs here, so the compose file is checked for what can be checked: it parses,
 * the services of the official Temporal pattern are there and wired in order, published ports do
 * not clash, every mounted file exists, and the app gets the environment its config reads.
 */
class ComposeFileTest {
  static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
  final JsonNode compose = read("docker-compose.temporal.yml");
  final JsonNode services = compose.get("services");

  static JsonNode read(String file) {
    try {
      return new ObjectMapper(new YAMLFactory()).readTree(ROOT.resolve(file).toFile());
    } catch (Exception e) {
      throw new AssertionError(file + " does not parse", e);
    }
  }

  @Test
  void hasTheOfficialTemporalPatternAndTheApp() {
    assertThat(services.fieldNames())
        .toIterable()
        .containsExactlyInAnyOrder(
            "postgresql",
            "temporal-admin-tools",
            "temporal",
            "temporal-create-namespace",
            "temporal-ui",
            "kestrel-api",
            "kestrel-worker");
    assertThat(image("temporal-admin-tools")).startsWith("temporalio/admin-tools:");
    assertThat(image("temporal")).startsWith("temporalio/server:");
    assertThat(image("temporal-ui")).startsWith("temporalio/ui:");
    assertThat(image("temporal")).doesNotContain("auto-setup");
    assertThat(services.at("/kestrel-api/build").asText()).isEqualTo(".");
    assertThat(Files.isRegularFile(ROOT.resolve("Dockerfile"))).isTrue();
  }

  /**
   * The soak's third hour found the server's RSS rising some 20 MB an hour outside the JVM's pools;
   * with two glibc arenas the fourth showed none. Every way the product is launched keeps them.
   */
  @Test
  void everyLauncherBoundsGlibcArenas() throws Exception {
    assertThat(Files.readString(ROOT.resolve("Dockerfile")))
        .containsPattern("(?m)^ENV [^\\n]*(\\\\\\n[^\\n]*)*MALLOC_ARENA_MAX=2");
    assertThat(Files.readString(ROOT.resolve("scripts/serve")))
        .containsPattern("(?m)^export MALLOC_ARENA_MAX=\"\\$\\{MALLOC_ARENA_MAX:-2}\"$");
  }

  @Test
  void servicesStartInOrder() {
    assertThat(condition("temporal-admin-tools", "postgresql")).isEqualTo("service_healthy");
    assertThat(condition("temporal", "temporal-admin-tools"))
        .isEqualTo("service_completed_successfully");
    assertThat(condition("temporal-create-namespace", "temporal")).isEqualTo("service_healthy");
    assertThat(condition("temporal-ui", "temporal")).isEqualTo("service_healthy");
    assertThat(condition("kestrel-api", "temporal-create-namespace"))
        .isEqualTo("service_completed_successfully");
    assertThat(condition("kestrel-api", "postgresql")).isEqualTo("service_healthy");
    assertThat(services.at("/kestrel-worker/depends_on").has("kestrel-api")).isTrue();
    for (String name : List.of("temporal", "postgresql")) {
      assertThat(services.at("/" + name + "/healthcheck/test"))
          .as(name + " healthcheck")
          .isNotEmpty();
    }
  }

  @Test
  void publishedPortsDoNotClashAndTheUiIsNotOn8080() {
    List<String> hostPorts = new ArrayList<>();
    services.forEach(s -> s.path("ports").forEach(p -> hostPorts.add(p.asText().split(":")[0])));
    assertThat(new HashSet<>(hostPorts)).hasSameSizeAs(hostPorts);
    assertThat(services.at("/temporal-ui/ports/0").asText()).isEqualTo("8233:8080");
    assertThat(services.at("/kestrel-api/ports").toString()).contains("8080:8080", "8081:8081");
    assertThat(services.at("/temporal/ports/0").asText()).isEqualTo("7233:7233");
  }

  @Test
  void theAppIsConfiguredForExternalModeAgainstTheseServices() {
    for (String app : List.of("kestrel-api", "kestrel-worker")) {
      JsonNode env = services.at("/" + app + "/environment");
      assertThat(env.get("KESTREL_TEMPORAL_TARGET").asText()).isEqualTo("temporal:7233");
      assertThat(env.get("KESTREL_DATABASE_URL").asText())
          .isEqualTo("jdbc:postgresql://postgresql:5432/kestrel");
      assertThat(services.at("/" + app + "/volumes").toString())
          .contains("./config/production.example.yml:/etc/kestrel/kestrel.yml");
    }
    assertThat(services.at("/kestrel-api/command").toString()).contains("server");
    assertThat(services.at("/kestrel-worker/command").toString()).contains("worker");
    assertThat(services.at("/kestrel-worker/deploy/replicas").asInt()).isGreaterThanOrEqualTo(2);
    String init = read("docker-compose.temporal.yml").toString();
    assertThat(init).contains("init-kestrel.sql");
  }

  @Test
  void everyMountedFileExistsAndTheNamespaceScriptCreatesOurSearchAttributes() throws Exception {
    Set<String> missing = new HashSet<>();
    services.forEach(
        s ->
            s.path("volumes")
                .forEach(
                    v -> {
                      String host = v.asText().split(":")[0];
                      if (host.startsWith("./") && !Files.exists(ROOT.resolve(host))) {
                        missing.add(host);
                      }
                    }));
    assertThat(missing).isEmpty();
    String script = Files.readString(ROOT.resolve("deploy/temporal/create-namespace.sh"));
    for (var key : dev.kestrel.workflows.RunSearchAttributes.ALL) {
      assertThat(script).contains(key.getName());
    }
  }

  private String image(String service) {
    return services.at("/" + service + "/image").asText();
  }

  private String condition(String service, String dependency) {
    return services.at("/" + service + "/depends_on/" + dependency + "/condition").asText();
  }
}
