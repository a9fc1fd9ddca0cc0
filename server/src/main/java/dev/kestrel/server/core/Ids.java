package dev.kestrel.server.core;

import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * Ids on the wire are canonical UUIDs (8-4-4-4-12 hex); {@code java.util.UUID} alone is too
 * lenient.
 */
public final class Ids {
  private static final Pattern CANONICAL =
      Pattern.compile(
          "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");

  private Ids() {}

  public static boolean isCanonical(String id) {
    return id != null && CANONICAL.matcher(id).matches();
  }

  /**
   * The id in lower case, or {@link InvalidRequest} with {@code code} (e.g. {@code
   * invalid_task_id}).
   */
  public static String require(String id, String code) {
    if (!isCanonical(id)) {
      throw new InvalidRequest(code);
    }
    return id.toLowerCase(Locale.ROOT);
  }

  /**
   * The run id of a request with a clientRequestId: derived from (organization, task, key), so that
   * concurrent repeats all name the same run and the same workflow.
   */
  public static String runIdFor(String organizationId, String taskId, String clientRequestId) {
    String name = organizationId + "\n" + taskId + "\n" + clientRequestId;
    return UUID.nameUUIDFromBytes(name.getBytes(StandardCharsets.UTF_8)).toString();
  }

  /**
   * The run of a schedule's firing: derived from the firing's workflow id, which names the task and
   * the scheduled time, so a retried firing names the same run and never makes a second.
   */
  public static String runIdForFiring(String firingWorkflowId) {
    return UUID.nameUUIDFromBytes(("firing\n" + firingWorkflowId).getBytes(StandardCharsets.UTF_8))
        .toString();
  }
}
