package dev.kestrel.server.security;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kestrel.server.config.KestrelConfiguration;
import dev.kestrel.server.support.ListeningSockets;
import dev.kestrel.server.support.TestApps;
import io.dropwizard.testing.junit5.DropwizardAppExtension;
import io.dropwizard.testing.junit5.DropwizardExtensionsSupport;
import java.nio.file.Files;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The in-process parts listen on this host only: the in-memory engine (whose gRPC port would let
 * anyone read and cancel any workflow), the admin port, H2's auto-server and the egress proxy. Read
 * from the kernel's socket table, never by connecting elsewhere. The LOCAL engine's ports are
 * checked by LocalModeIT the same way.
 */
@ExtendWith(DropwizardExtensionsSupport.class)
class InternalPortsIT {
  static final DropwizardAppExtension<KestrelConfiguration> APP = TestApps.shared();

  @Test
  void everyPortOfThisProcessIsOnLoopback() throws Exception {
    TestApps.api(APP).get("/public/v1/tasks"); // the database is in use, so its auto-server listens
    int enginePort =
        Integer.parseInt(TestApps.installed(APP).engine().target().replaceAll(".*:", ""));

    Map<Integer, String> listening = ListeningSockets.of(ProcessHandle.current().pid());

    assertThat(listening).containsKeys(APP.getLocalPort(), APP.getAdminPort(), enginePort);
    assertThat(listening.values()).as(listening.toString()).allMatch(ListeningSockets::isLoopback);
  }

  @Test
  void theDataFolderIsPrivateToTheServersUser() throws Exception {
    assertThat(
            PosixFilePermissions.toString(
                Files.getPosixFilePermissions(APP.getConfiguration().dataDir())))
        .isEqualTo("rwx------");
  }
}
