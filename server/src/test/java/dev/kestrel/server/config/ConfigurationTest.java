package dev.kestrel.server.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.dropwizard.configuration.EnvironmentVariableSubstitutor;
import io.dropwizard.configuration.FileConfigurationSourceProvider;
import io.dropwizard.configuration.SubstitutingSourceProvider;
import io.dropwizard.configuration.YamlConfigurationFactory;
import io.dropwizard.jackson.Jackson;
import io.dropwizard.jersey.validation.Validators;
import org.junit.jupiter.api.Test;

/** The shipped example configuration parses and validates, and the defaults make the embedded default. */
class ConfigurationTest {
  @Test
  void theProductionExampleParsesIntoExternalMode() throws Exception {
    YamlConfigurationFactory<KestrelConfiguration> factory =
        new YamlConfigurationFactory<>(KestrelConfiguration.class, Validators.newValidator(), Jackson.newObjectMapper(), "dw");
    KestrelConfiguration config =
        factory.build(
            new SubstitutingSourceProvider(new FileConfigurationSourceProvider(), new EnvironmentVariableSubstitutor(false)),
            "../config/production.example.yml");

    assertThat(config.temporal().mode()).isEqualTo(TemporalSettings.Mode.EXTERNAL);
    assertThat(config.database().getDriverClass()).isEqualTo("org.postgresql.Driver");
    assertThat(config.worker().enabled()).isFalse();
    assertThat(config.egress().allowLoopback()).isFalse();
    assertThat(config.publicUrl()).isNull();
  }

  @Test
  void withoutAFileEverythingIsTheEmbeddedDefault() {
    KestrelConfiguration config = new KestrelConfiguration();

    assertThat(config.temporal().mode()).isEqualTo(TemporalSettings.Mode.EMBEDDED);
    assertThat(config.database().getUrl()).startsWith("jdbc:h2:file:").contains("/db/kestrel");
    assertThat(config.worker().enabled()).isTrue();
    assertThat(config.worker().browserSlots()).isEqualTo(2);
    assertThat(config.egress().allowLoopback()).isTrue();
    assertThat(config.apiEnabled()).isTrue();
  }
}
