package dev.kestrel.store;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Files a run produces (screenshots, Playwright traces), under {@code
 * <artifactsDir>/<runId>/<name>}. Outputs refer to them by the path of their download endpoint,
 * never by content: workflow state stays small.
 */
public final class ArtifactStore {
  private static final Pattern SAFE_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.\\-]{0,127}");
  private static final Pattern RUN_ID = Pattern.compile("[0-9a-f\\-]{36}");

  /**
   * The live view's capture: the page as it is now, rewritten while the run runs; not one of its
   * products.
   */
  public static final String LIVE_VIEW = "live.png";

  private final Path root;

  /** One stored file of a run. */
  public record Stored(String name, long bytes) {}

  public ArtifactStore(Path root) {
    this.root = root;
  }

  /**
   * Saves the file (whole, see {@link #replace}) and returns the API path it is downloadable under.
   */
  public String save(String runId, String name, byte[] content) {
    replace(runId, name, content);
    return url(runId, name);
  }

  /**
   * Writes the file aside, then moves it over the old one: a reader never sees half of it (the live
   * screenshot is rewritten while it is served). The aside file's leading dot is not a name this
   * store serves.
   */
  public void replace(String runId, String name, byte[] content) {
    Path aside = newPending(runId, name);
    try {
      Files.write(aside, content);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    keep(runId, name, aside);
  }

  /** The API path a run's file is downloadable under. */
  public static String url(String runId, String name) {
    return "/public/v1/task-runs/" + runId + "/artifacts/" + name;
  }

  /**
   * The run's files by name, without the live view's capture and files being written; empty for a
   * run with none (one stat of a folder that is not there: cheap enough for every read of a run).
   */
  public List<Stored> list(String runId) {
    if (!RUN_ID.matcher(runId).matches()) {
      return List.of();
    }
    Path dir = root.resolve(runId);
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    List<Stored> out = new ArrayList<>();
    try (Stream<Path> files = Files.list(dir)) {
      for (Path file : (Iterable<Path>) files.sorted()::iterator) {
        String name = file.getFileName().toString();
        if (!name.equals(LIVE_VIEW) && SAFE_NAME.matcher(name).matches()) {
          try {
            out.add(new Stored(name, Files.size(file)));
          } catch (IOException removedMeanwhile) {
            // Deleted between the listing and the stat: not there.
          }
        }
      }
    } catch (IOException e) {
      return List.of(); // Removed meanwhile (retention) or unreadable: the run lists none.
    }
    return out;
  }

  /** Bytes of the run's files together (its live view's capture too). */
  public long size(String runId) {
    Path dir = RUN_ID.matcher(runId).matches() ? root.resolve(runId) : null;
    if (dir == null || !Files.isDirectory(dir)) {
      return 0;
    }
    try (Stream<Path> files = Files.list(dir)) {
      return files.mapToLong(f -> f.toFile().length()).sum();
    } catch (IOException e) {
      return 0;
    }
  }

  /**
   * A new file in the run's folder that no reader lists or serves until {@link #keep} moves it in
   * place.
   */
  public Path newPending(String runId, String name) {
    Path file = resolve(runId, name);
    if (file == null) {
      throw new IllegalArgumentException("unsafe artifact name: " + name);
    }
    try {
      Files.createDirectories(file.getParent());
      return Files.createTempFile(file.getParent(), "." + name, ".tmp");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Moves a pending file in place under {@code name}, and returns its download path. */
  public String keep(String runId, String name, Path pending) {
    Path file = resolve(runId, name);
    try {
      Files.move(
          pending,
          file,
          java.nio.file.StandardCopyOption.REPLACE_EXISTING,
          java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return url(runId, name);
  }

  /** The runs that have a folder here. */
  public List<String> runIds() {
    if (!Files.isDirectory(root)) {
      return List.of();
    }
    try (Stream<Path> dirs = Files.list(root)) {
      return dirs.map(d -> d.getFileName().toString())
          .filter(n -> RUN_ID.matcher(n).matches())
          .toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * When the run's folder last changed (a file added or removed), in epoch millis; 0 when there is
   * none.
   */
  public long lastModified(String runId) {
    return RUN_ID.matcher(runId).matches() ? root.resolve(runId).toFile().lastModified() : 0;
  }

  /** Deletes the run's folder and everything in it. */
  public void deleteRun(String runId) {
    if (!RUN_ID.matcher(runId).matches()) {
      return;
    }
    Path dir = root.resolve(runId);
    try (Stream<Path> files = Files.list(dir)) {
      for (Path f : (Iterable<Path>) files::iterator) {
        Files.deleteIfExists(f);
      }
      Files.deleteIfExists(dir);
    } catch (java.nio.file.NoSuchFileException gone) {
      // Deleted already.
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The file of a run's artifact, or null when the name is not one this store writes. */
  public Path resolve(String runId, String name) {
    if (!RUN_ID.matcher(runId).matches()
        || !SAFE_NAME.matcher(name).matches()
        || name.contains("..")) {
      return null;
    }
    return root.resolve(runId).resolve(name);
  }
}
