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

  /** Saves the file (whole, see {@link #replace}) and returns the API path it is downloadable under. */
  public String save(String runId, String name, byte[] content) {
    replace(runId, name, content);
    return "/public/v1/task-runs/" + runId + "/artifacts/" + name;
  }

  /**
   * Writes the file aside, then moves it over the old one: a reader never sees half of it (the
   * live screenshot is rewritten while it is served). The aside file's leading dot is not a name
   * this store serves.
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
