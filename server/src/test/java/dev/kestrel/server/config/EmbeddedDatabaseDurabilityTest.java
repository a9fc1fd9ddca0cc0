package dev.kestrel.server.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The embedded database as the default configures it keeps every commit when the process is killed
 * right after it: a run accepted, or a delivery recorded, is never lost to a SIGKILL.
 */
class EmbeddedDatabaseDurabilityTest {
  @TempDir Path dataDir;

  /**
   * Commits {@code args[1]} rows on {@code args[0]}, then halts as SIGKILL would (no shutdown
   * hooks).
   */
  public static final class CommitThenHalt {
    public static void main(String[] args) throws Exception {
      Connection c = DriverManager.getConnection(args[0], "sa", "");
      c.createStatement().execute("CREATE TABLE accepted (i INT)");
      for (int i = 0; i < Integer.parseInt(args[1]); i++) {
        c.createStatement().execute("INSERT INTO accepted VALUES (" + i + ")");
      }
      Runtime.getRuntime().halt(137);
    }
  }

  @Test
  void everyCommitSurvivesAHaltRightAfterIt() throws Exception {
    String url = new KestrelConfiguration().dataDir(dataDir).database().getUrl();
    String java = ProcessHandle.current().info().command().orElse("java");
    Process child =
        new ProcessBuilder(
                List.of(
                    java,
                    "-cp",
                    System.getProperty("java.class.path"),
                    CommitThenHalt.class.getName(),
                    url,
                    "50"))
            .inheritIO()
            .start();
    assertThat(child.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(child.exitValue()).isEqualTo(137);
    assertThat(Files.exists(dataDir.resolve("db"))).isTrue();

    try (Connection c = DriverManager.getConnection(url, "sa", "");
        ResultSet rows = c.createStatement().executeQuery("SELECT COUNT(*) FROM accepted")) {
      rows.next();
      assertThat(rows.getInt(1)).isEqualTo(50);
    }
  }
}
