package dev.kestrel.store;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Pattern;

/**
 * Files a run produces (screenshots), under {@code <artifactsDir>/<runId>/<name>}. Outputs refer to
 * them by the path of their download endpoint, never by content: workflow state stays small.
 */
public final class ArtifactStore {
  private static final Pattern SAFE_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.\\-]{0,127}");
  private static final Pattern RUN_ID = Pattern.compile("[0-9a-f\\-]{36}");

  private final Path root;

  public ArtifactStore(Path root) {
    this.root = root;
  }

  /** Saves the file and returns the API path it is downloadable under. */
  public String save(String runId, String name, byte[] content) {
    Path file = resolve(runId, name);
    if (file == null) {
      throw new IllegalArgumentException("unsafe artifact name: " + name);
    }
    try {
      Files.createDirectories(file.getParent());
      Files.write(file, content);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return "/public/v1/task-runs/" + runId + "/artifacts/" + name;
  }

  /**
   * Replaces the file whole (written aside, then moved over it): a reader never sees half of it.
   * For the live screenshot, which is rewritten while it is being served.
   */
  public void replace(String runId, String name, byte[] content) {
    Path file = resolve(runId, name);
    if (file == null) {
      throw new IllegalArgumentException("unsafe artifact name: " + name);
    }
    try {
      Files.createDirectories(file.getParent());
      Path aside = Files.createTempFile(file.getParent(), "." + name, ".tmp");
      Files.write(aside, content);
      Files.move(aside, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The file of a run's artifact, or null when the name is not one this store writes. */
  public Path resolve(String runId, String name) {
    if (!RUN_ID.matcher(runId).matches() || !SAFE_NAME.matcher(name).matches() || name.contains("..")) {
      return null;
    }
    return root.resolve(runId).resolve(name);
  }
}
