package dev.kestrel.engine;

import com.uber.m3.tally.NoopScope;
import com.uber.m3.tally.Scope;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowClientOptions;
import io.temporal.serviceclient.RpcRetryOptions;
import io.temporal.serviceclient.SimpleSslContextBuilder;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * The workflow engine as this process sees it. LOCAL: the Temporal dev server this process
 * supervises ({@link LocalTemporalServer}). EXTERNAL: a Temporal cluster. IN_MEMORY: Temporal's
 * test server in this process, on a real local port. In every mode clients and workers speak gRPC
 * exactly as against a cluster. The API gets a client with short retries (a request must answer 503
 * soon when the engine is down); workers get one with the SDK's patient defaults.
 */
public final class TemporalEngine implements AutoCloseable {
  private final TemporalSettings settings;
  private final InMemoryServer inMemory;
  private final LocalTemporalServer local;
  private final String target;
  private final WorkflowServiceStubs apiService;
  private final WorkflowClient apiClient;
  private final WorkflowClientOptions clientOptions;
  private final Scope metricsScope;

  private TemporalEngine(
      TemporalSettings settings, Path dataDir, boolean manageLocal, Scope metricsScope) {
    this.settings = settings;
    this.metricsScope = metricsScope;
    switch (settings.mode()) {
      case IN_MEMORY -> {
        int port = settings.inMemoryPort() == 0 ? freePort() : settings.inMemoryPort();
        inMemory = new InMemoryServer(port);
        local = null;
        target = "127.0.0.1:" + port;
      }
      case LOCAL -> {
        inMemory = null;
        if (manageLocal) {
          local = new LocalTemporalServer(settings.local(), settings.namespace(), dataDir);
          local.start();
          target = local.target();
        } else {
          // A worker beside a LOCAL server connects to the server's engine; it does not start one.
          local = null;
          target = "127.0.0.1:" + settings.local().port();
        }
      }
      case EXTERNAL -> {
        inMemory = null;
        local = null;
        target = settings.target();
      }
      default -> throw new IllegalStateException("unknown mode " + settings.mode());
    }
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

  /**
   * Starts (LOCAL and IN_MEMORY) or reaches (EXTERNAL) the engine. {@code manageLocal}: whether
   * this process supervises the LOCAL dev server (the {@code server} command) or only connects to
   * it (a {@code worker} beside it).
   */
  public static TemporalEngine start(TemporalSettings settings, Path dataDir, boolean manageLocal) {
    return start(settings, dataDir, manageLocal, new NoopScope());
  }

  /**
   * As {@link #start(TemporalSettings, Path, boolean)}, with every connection of this process
   * reporting the SDK's metrics (and the workflows' own, which the SDK suppresses on replay) to
   * {@code metricsScope}.
   */
  public static TemporalEngine start(
      TemporalSettings settings, Path dataDir, boolean manageLocal, Scope metricsScope) {
    return new TemporalEngine(settings, dataDir, manageLocal, metricsScope);
  }

  /** One line: the mode, where the engine is, and the state of a managed dev server. */
  public String describe() {
    String where = settings.mode() + " engine at " + target;
    return local == null ? where : where + "; local Temporal server " + local.state();
  }

  public String target() {
    return target;
  }

  /** Ports of this host the engine serves (gRPC, UI) when this process runs it; empty otherwise. */
  public java.util.List<Integer> localPorts() {
    if (inMemory != null) {
      return java.util.List.of(inMemory.port());
    }
    if (local != null) {
      return local.ports();
    }
    if (settings.mode() == TemporalSettings.Mode.LOCAL) {
      return java.util.List.of(settings.local().port(), settings.local().uiPort());
    }
    return java.util.List.of();
  }

  public WorkflowClient apiClient() {
    return apiClient;
  }

  /**
   * Temporal Schedules on this engine; empty on IN_MEMORY, whose server (Temporal's test server)
   * has none.
   */
  public java.util.Optional<io.temporal.client.schedules.ScheduleClient> scheduleClient() {
    if (settings.mode() == TemporalSettings.Mode.IN_MEMORY) {
      return java.util.Optional.empty();
    }
    return java.util.Optional.of(
        io.temporal.client.schedules.ScheduleClient.newInstance(
            apiService,
            io.temporal.client.schedules.ScheduleClientOptions.newBuilder()
                .setNamespace(settings.namespace())
                .build()));
  }

  public TemporalSettings.Mode mode() {
    return settings.mode();
  }

  /**
   * A connection of its own for one worker, with the SDK's patient retries; the worker closes it
   * when it stops, so a worker's crash and restart leave nothing shared behind.
   */
  public WorkflowClient newWorkerClient() {
    WorkflowServiceStubs service = WorkflowServiceStubs.newServiceStubs(connection().build());
    return WorkflowClient.newInstance(service, clientOptions);
  }

  /** Target, TLS, API key and metrics: the same for every connection of this process. */
  private WorkflowServiceStubsOptions.Builder connection() {
    WorkflowServiceStubsOptions.Builder options =
        WorkflowServiceStubsOptions.newBuilder().setTarget(target).setMetricsScope(metricsScope);
    if (settings.mode() != TemporalSettings.Mode.EXTERNAL) {
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
            SimpleSslContextBuilder.noKeyOrCertChain()
                .setTrustManager(trustManager(settings.tlsServerRootCaPath()))
                .build());
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
    java.security.KeyStore store =
        java.security.KeyStore.getInstance(java.security.KeyStore.getDefaultType());
    store.load(null, null);
    try (InputStream in = Files.newInputStream(Path.of(caPath))) {
      int i = 0;
      for (var cert :
          java.security.cert.CertificateFactory.getInstance("X.509").generateCertificates(in)) {
        store.setCertificateEntry("ca-" + i++, cert);
      }
    }
    javax.net.ssl.TrustManagerFactory factory =
        javax.net.ssl.TrustManagerFactory.getInstance(
            javax.net.ssl.TrustManagerFactory.getDefaultAlgorithm());
    factory.init(store);
    return factory.getTrustManagers()[0];
  }

  /** Closes the API's connection, then stops an in-memory or LOCAL engine this process runs. */
  @Override
  public void close() {
    apiService.shutdown();
    apiService.awaitTermination(5, TimeUnit.SECONDS);
    if (inMemory != null) {
      inMemory.close();
    }
    if (local != null) {
      local.stop();
    }
  }

  static int freePort() {
    try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
