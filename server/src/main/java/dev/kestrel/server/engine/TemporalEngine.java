package dev.kestrel.server.engine;

import dev.kestrel.server.config.TemporalSettings;
import dev.kestrel.server.health.TemporalHealthCheck;
import io.dropwizard.core.setup.Environment;
import io.dropwizard.lifecycle.Managed;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowClientOptions;
import io.temporal.serviceclient.RpcRetryOptions;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import io.temporal.testserver.TestServer;
import io.temporal.serviceclient.SimpleSslContextBuilder;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * The workflow engine as this process sees it. Embedded: Temporal's in-process server on a real
 * local port, so clients and workers speak gRPC exactly as against a cluster. External: a
 * Temporal cluster. The API gets a client with short retries (a request must answer 503 soon when
 * the engine is down); workers get one with the SDK's patient defaults.
 */
public final class TemporalEngine implements Managed {
  private final TemporalSettings settings;
  private final TestServer.PortBoundTestServer embedded;
  private final String target;
  private final WorkflowServiceStubs apiService;
  private final WorkflowClient apiClient;
  private final WorkflowClientOptions clientOptions;

  private TemporalEngine(TemporalSettings settings) {
    if (settings.mode() == TemporalSettings.Mode.EMBEDDED) {
      int port = settings.embeddedPort() == 0 ? freePort() : settings.embeddedPort();
      embedded = TestServer.createPortBoundServer(port, true);
      target = "127.0.0.1:" + port;
    } else {
      embedded = null;
      target = settings.target();
    }
    this.settings = settings;
    apiService =
        WorkflowServiceStubs.newServiceStubs(
            connection()
                .setRpcQueryTimeout(Duration.ofSeconds(settings.queryTimeoutSeconds()))
                .setRpcRetryOptions(
                    RpcRetryOptions.newBuilder()
                        .setExpiration(Duration.ofSeconds(settings.startTimeoutSeconds()))
                        .validateBuildWithDefaults())
                .build());
    clientOptions = WorkflowClientOptions.newBuilder().setNamespace(settings.namespace()).build();
    apiClient = WorkflowClient.newInstance(apiService, clientOptions);
  }

  public static TemporalEngine start(TemporalSettings settings) {
    return new TemporalEngine(settings);
  }

  /**
   * Starts the engine for this process: connected (or, embedded, running), its namespace and
   * search attributes checked, stopped with the process, and watched by a health check.
   */
  public static TemporalEngine install(TemporalSettings settings, Environment env) {
    TemporalEngine engine = start(settings);
    env.lifecycle().manage(engine);
    EngineSetup.ensure(engine.apiClient().getWorkflowServiceStubs(), settings.namespace());
    env.healthChecks().register("temporal", new TemporalHealthCheck(engine.apiClient()));
    return engine;
  }

  /** The run lifecycle's view of this engine, for the API. */
  public TemporalRunEngine runs() {
    return new TemporalRunEngine(apiClient);
  }

  public String target() {
    return target;
  }

  public WorkflowClient apiClient() {
    return apiClient;
  }

  /**
   * A connection of its own for one worker, with the SDK's patient retries; the worker closes it
   * when it stops, so a worker's crash and restart leave nothing shared behind.
   */
  public WorkflowClient newWorkerClient() {
    WorkflowServiceStubs service = WorkflowServiceStubs.newServiceStubs(connection().build());
    return WorkflowClient.newInstance(service, clientOptions);
  }

  /** Target, TLS and API key: the same for every connection of this process. */
  private WorkflowServiceStubsOptions.Builder connection() {
    WorkflowServiceStubsOptions.Builder options = WorkflowServiceStubsOptions.newBuilder().setTarget(target);
    if (embedded != null) {
      return options;
    }
    try {
      if (settings.tlsClientCertPath() != null && settings.tlsClientKeyPath() != null) {
        try (InputStream cert = Files.newInputStream(Path.of(settings.tlsClientCertPath()));
            InputStream key = Files.newInputStream(Path.of(settings.tlsClientKeyPath()))) {
          SimpleSslContextBuilder ssl = SimpleSslContextBuilder.forPKCS8(cert, key);
          if (settings.tlsServerRootCaPath() != null) {
            ssl.setTrustManager(trustManager(settings.tlsServerRootCaPath()));
          }
          options.setSslContext(ssl.build());
        }
      } else if (settings.tlsServerRootCaPath() != null) {
        options.setSslContext(
            SimpleSslContextBuilder.noKeyOrCertChain().setTrustManager(trustManager(settings.tlsServerRootCaPath())).build());
      }
    } catch (IOException | java.security.GeneralSecurityException e) {
      throw new IllegalStateException("cannot read the Temporal TLS files: " + e.getMessage(), e);
    }
    if (settings.apiKey() != null) {
      String apiKey = settings.apiKey();
      options.setEnableHttps(true).addApiKey(() -> apiKey);
    }
    return options;
  }

  private static javax.net.ssl.TrustManager trustManager(String caPath)
      throws IOException, java.security.GeneralSecurityException {
    java.security.KeyStore store = java.security.KeyStore.getInstance(java.security.KeyStore.getDefaultType());
    store.load(null, null);
    try (InputStream in = Files.newInputStream(Path.of(caPath))) {
      int i = 0;
      for (var cert : java.security.cert.CertificateFactory.getInstance("X.509").generateCertificates(in)) {
        store.setCertificateEntry("ca-" + i++, cert);
      }
    }
    javax.net.ssl.TrustManagerFactory factory =
        javax.net.ssl.TrustManagerFactory.getInstance(javax.net.ssl.TrustManagerFactory.getDefaultAlgorithm());
    factory.init(store);
    return factory.getTrustManagers()[0];
  }

  @Override
  public void stop() {
    apiService.shutdown();
    apiService.awaitTermination(5, TimeUnit.SECONDS);
    if (embedded != null) {
      embedded.close();
    }
  }

  private static int freePort() {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
