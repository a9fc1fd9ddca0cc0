package dev.kestrel.server.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kestrel.engine.TemporalSettings;
import io.dropwizard.configuration.ConfigurationException;
import io.dropwizard.configuration.EnvironmentVariableSubstitutor;
import io.dropwizard.configuration.FileConfigurationSourceProvider;
import io.dropwizard.configuration.SubstitutingSourceProvider;
import io.dropwizard.configuration.YamlConfigurationFactory;
import io.dropwizard.jackson.Jackson;
import io.dropwizard.jersey.validation.Validators;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * The shipped example configuration parses and validates, and the defaults make the durable local
 * default.
 */
class ConfigurationTest {
  @Test
  void theProductionExampleParsesIntoExternalMode() throws Exception {
    YamlConfigurationFactory<KestrelConfiguration> factory =
        new YamlConfigurationFactory<>(
            KestrelConfiguration.class, Validators.newValidator(), Jackson.newObjectMapper(), "dw");
    KestrelConfiguration config =
        factory.build(
            new SubstitutingSourceProvider(
                new FileConfigurationSourceProvider(), new EnvironmentVariableSubstitutor(false)),
            "../config/production.example.yml");

    assertThat(config.temporal().mode()).isEqualTo(TemporalSettings.Mode.EXTERNAL);
    assertThat(config.database().getDriverClass()).isEqualTo("org.postgresql.Driver");
    assertThat(config.worker().enabled()).isFalse();
    assertThat(config.egress().allowLoopback()).isFalse();
    assertThat(config.publicUrl()).isNull();
  }

  private static KestrelConfiguration parse(String yaml) throws Exception {
    YamlConfigurationFactory<KestrelConfiguration> factory =
        new YamlConfigurationFactory<>(
            KestrelConfiguration.class, Validators.newValidator(), Jackson.newObjectMapper(), "dw");
    return factory.build(
        path -> new ByteArrayInputStream(yaml.getBytes(StandardCharsets.UTF_8)), "kestrel.yml");
  }

  @Test
  void traceModesReadByTheirWireNames() throws Exception {
    assertThat(parse("artifacts: {trace: on-failure, retentionDays: 7}").artifacts().trace())
        .isEqualTo(dev.kestrel.model.TraceMode.ON_FAILURE);
    assertThat(parse("artifacts: {trace: always}").artifacts().retention())
        .isEqualTo(java.time.Duration.ofDays(30));
  }

  @Test
  void engineModesReadByNameAndAnUnknownOneNamesTheSetting() throws Exception {
    assertThat(parse("temporal: {mode: in_memory}").temporal().mode())
        .isEqualTo(TemporalSettings.Mode.IN_MEMORY);
    assertThat(parse("temporal: {mode: EMBEDDED, embeddedPort: 7999}").temporal())
        .as("the old name of the in-memory engine")
        .satisfies(
            t -> {
              assertThat(t.mode()).isEqualTo(TemporalSettings.Mode.IN_MEMORY);
              assertThat(t.inMemoryPort()).isEqualTo(7999);
            });
    assertThatThrownBy(() -> parse("temporal: {mode: CLUSTER}"))
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("temporal.mode")
        .hasMessageContaining("must be LOCAL, EXTERNAL or IN_MEMORY, not 'CLUSTER'");
  }

  @Test
  void withoutAFileEverythingIsTheDurableLocalDefault() {
    KestrelConfiguration config = new KestrelConfiguration();

    assertThat(config.temporal().mode()).isEqualTo(TemporalSettings.Mode.LOCAL);
    assertThat(config.temporal().local().uiPort()).isEqualTo(8233);
    assertThat(config.temporal().local().port()).isEqualTo(7233);
    assertThat(config.temporal().local().sqlitePragmas()).contains("journal_mode=wal");
    assertThat(config.database().getUrl()).startsWith("jdbc:h2:file:").contains("/db/kestrel");
    assertThat(config.worker().enabled()).isTrue();
    assertThat(config.worker().browserSlots()).isEqualTo(2);
    assertThat(config.egress().allowLoopback()).isTrue();
    assertThat(config.apiEnabled()).isTrue();
    // Recording a trace costs a completed run 17 % of its time and 15 % of its CPU (BENCHMARKS.md,
    // row 8).
    assertThat(config.artifacts().trace()).isEqualTo(dev.kestrel.model.TraceMode.OFF);
    var server = (io.dropwizard.core.server.DefaultServerFactory) config.getServerFactory();
    assertThat(
            ((io.dropwizard.jetty.HttpConnectorFactory) server.getAdminConnectors().get(0))
                .getBindHost())
        .as("the admin port is this host's only")
        .isEqualTo("127.0.0.1");
    assertThat(
            ((io.dropwizard.jetty.HttpConnectorFactory) server.getApplicationConnectors().get(0))
                .getBindHost())
        .isNull();
  }
}
