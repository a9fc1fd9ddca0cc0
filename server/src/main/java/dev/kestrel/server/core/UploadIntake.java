package dev.kestrel.server.core;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kestrel.model.StepFile;
import dev.kestrel.model.StepSpec;
import dev.kestrel.model.TaskDefinition;
import dev.kestrel.store.UploadFiles;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Takes the files of upload steps and file inputs (SPEC 11) out of what is saved and what a
 * workflow carries: their bytes go sealed into the store ({@link UploadFiles}), and definitions,
 * runs' inputs and workflow histories keep {@code {"name", "bytes", "sha256"}}. A task keeps its
 * own files; each run gets its copy when it is accepted, so that an edited task, a deleted one or
 * an expired original never takes a queued run's file away.
 *
 * <p>A request that may carry files may be larger than {@code limits.maxRequestBytes} by them
 * alone: what is left once they are taken out is held to that limit (413), before anything is kept.
 */
public final class UploadIntake {
  private final UploadFiles files;
  private final ObjectMapper mapper;
  private final long maxRequestBytes;

  public UploadIntake(UploadFiles files, ObjectMapper mapper, long maxRequestBytes) {
    this.files = files;
    this.mapper = mapper;
    this.maxRequestBytes = maxRequestBytes;
  }

  /**
   * The definition with the files sent in its upload steps kept under the task; a file read back
   * ({@code {"name", "bytes", "sha256"}}) must be one the task keeps.
   *
   * @throws InvalidRequest naming each file the task does not keep; 413 when the definition without
   *     its files is over the request limit
   */
  public TaskDefinition keepTaskFiles(String organizationId, String taskId, TaskDefinition def) {
    Problems problems = new Problems();
    List<byte[]> sent = new ArrayList<>();
    List<StepSpec> steps =
        withoutContent(taskId, def.steps(), List.of("body", "steps"), problems, sent);
    problems.throwIfAny();
    TaskDefinition kept =
        new TaskDefinition(
            def.name(),
            def.description(),
            def.inputs(),
            steps,
            def.timeoutSeconds(),
            def.schedule(),
            def.trace(),
            def.resume(),
            def.profile(),
            def.proxy());
    requireWithinLimit(kept);
    sent.forEach(content -> files.keep(organizationId, taskId, content));
    return kept;
  }

  /**
   * The steps with each file sent as its kept form, its bytes added to {@code sent}; a kept one
   * must be the task's.
   */
  private List<StepSpec> withoutContent(
      String taskId, List<StepSpec> steps, List<Object> loc, Problems problems, List<byte[]> sent) {
    List<StepSpec> out = new ArrayList<>();
    for (int i = 0; i < steps.size(); i++) {
      StepSpec step = steps.get(i);
      List<Object> at = Problems.at(loc, i);
      StepSpec.Builder changed = null;
      if (step.steps() != null) {
        changed =
            step.toBuilder()
                .steps(
                    withoutContent(taskId, step.steps(), Problems.at(at, "steps"), problems, sent));
      }
      StepFile file = step.file();
      if (file != null && file.contentBase64() != null) {
        byte[] content = FileValue.bytes(file.contentBase64());
        sent.add(content);
        changed =
            (changed != null ? changed : step.toBuilder())
                .file(StepFile.stored(file.name(), content.length, UploadFiles.digest(content)));
      } else if (file != null && file.kept() && !files.has(taskId, file.sha256())) {
        problems.add(
            Problems.at(at, "file"),
            "value_error",
            "the task keeps no file "
                + file.sha256()
                + ": send it as {\"name\", \"contentBase64\"}");
      }
      out.add(changed != null ? changed.build() : step);
    }
    return out;
  }

  /** Forgets the task's files its definition no longer names. */
  public void forgetUnused(String taskId, TaskDefinition def) {
    files.keepOnly(taskId, keptFiles(def.steps()));
  }

  /** Forgets all the task's files (it is deleted; its runs have their copies). */
  public void forgetAll(String taskId) {
    files.keepOnly(taskId, Set.of());
  }

  /**
   * Gives run {@code runId} its files: copies of those its steps name, and of its file inputs
   * already kept, from {@code from} (the task, or the run retried); and its file inputs sent now,
   * kept. Returns the inputs with each file input as kept.
   *
   * @param isFile which inputs are files
   * @throws InvalidRequest 413 when the inputs without their files are over the request limit
   * @throws Conflict {@code file_unavailable} when {@code from} no longer keeps one
   */
  public Map<String, Object> keepRunFiles(
      String organizationId,
      String from,
      String runId,
      List<StepSpec> steps,
      Map<String, Object> inputs,
      Predicate<String> isFile) {
    Set<String> copied = keptFiles(steps);
    Map<String, Object> kept = new LinkedHashMap<>();
    Map<String, byte[]> sent = new LinkedHashMap<>();
    inputs.forEach(
        (name, value) -> {
          if (isFile.test(name) && FileValue.isSent(value)) {
            Map<?, ?> file = (Map<?, ?>) value;
            byte[] content = FileValue.bytes((String) file.get("contentBase64"));
            sent.put(name, content);
            kept.put(
                name,
                stored(
                    String.valueOf(file.get("name")), content.length, UploadFiles.digest(content)));
          } else {
            if (isFile.test(name) && FileValue.isKept(value)) {
              copied.add((String) ((Map<?, ?>) value).get("sha256"));
            }
            kept.put(name, value);
          }
        });
    requireWithinLimit(kept);
    sent.values().forEach(content -> files.keep(organizationId, runId, content));
    // Most runs carry no file: they cost the store nothing here.
    if (!copied.isEmpty() && !files.copy(organizationId, from, runId, copied).isEmpty()) {
      forgetRun(runId);
      throw new Conflict("file_unavailable");
    }
    return kept;
  }

  /** Forgets the files kept for a run that was not accepted after all. */
  public void forgetRun(String runId) {
    files.keepOnly(runId, Set.of());
  }

  private void requireWithinLimit(Object withoutFiles) {
    try {
      if (mapper.writeValueAsBytes(withoutFiles).length > maxRequestBytes) {
        throw InvalidRequest.tooLarge();
      }
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(e);
    }
  }

  /** A kept file as an input's value: {@code {"name", "bytes", "sha256"}}. */
  private static Map<String, Object> stored(String name, long bytes, String sha256) {
    Map<String, Object> value = new LinkedHashMap<>();
    value.put("name", name);
    value.put("bytes", bytes);
    value.put("sha256", sha256);
    return value;
  }

  /** The digests of the files the steps carry, loops' steps included. */
  static Set<String> keptFiles(List<StepSpec> steps) {
    Set<String> out = new LinkedHashSet<>();
    for (StepSpec step : steps) {
      if (step.file() != null && step.file().kept()) {
        out.add(step.file().sha256());
      }
      if (step.steps() != null) {
        out.addAll(keptFiles(step.steps()));
      }
    }
    return out;
  }
}
