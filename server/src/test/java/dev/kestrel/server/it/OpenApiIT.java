package dev.kestrel.server.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.kestrel.server.config.KestrelConfiguration;
import dev.kestrel.server.support.ApiClient;
import dev.kestrel.server.support.OpenApiContract;
import dev.kestrel.server.support.TestApps;
import io.dropwizard.testing.junit5.DropwizardAppExtension;
import io.dropwizard.testing.junit5.DropwizardExtensionsSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** SPEC 5: the OpenAPI document of the whole API, without a key, as JSON and YAML. */
@ExtendWith(DropwizardExtensionsSupport.class)
class OpenApiIT {
  static final DropwizardAppExtension<KestrelConfiguration> APP = TestApps.shared();

  @Test
  void theDocumentIsServedWithoutAKeyAsJsonAndYaml() throws Exception {
    ApiClient anonymous = TestApps.api(APP).withKey(null);

    ApiClient.Answer json = anonymous.get("/public/v1/openapi.json");
    ApiClient.Answer yaml = anonymous.get("/public/v1/openapi.yaml");

    assertThat(json.status()).isEqualTo(200);
    assertThat(json.header("Content-Type")).startsWith("application/json");
    assertThat(json.json()).isEqualTo(OpenApiContract.get().document());
    assertThat(json.json().at("/openapi").asText()).isEqualTo("3.1.0");
    assertThat(yaml.status()).isEqualTo(200);
    assertThat(yaml.header("Content-Type")).startsWith("application/yaml");
    assertThat(new YAMLMapper().readTree(yaml.raw().body())).isEqualTo(json.json());
    // The rest of the API still wants a key.
    assertThat(anonymous.get("/public/v1/tasks").status()).isEqualTo(401);
  }
}
