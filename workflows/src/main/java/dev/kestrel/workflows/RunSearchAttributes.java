package dev.kestrel.workflows;

import dev.kestrel.model.TriggerType;
import io.temporal.common.SearchAttributeKey;
import io.temporal.common.SearchAttributes;
import java.util.List;

/**
 * Custom search attributes on every run workflow, so ops can filter runs in the Temporal UI by
 * organization, task (by id, and by name as it was when the run was accepted), trigger and status.
 * All Keyword, so a filter matches a whole value ({@code KestrelTaskName = 'Order status lookup'});
 * the status is kept current by the workflow.
 */
public final class RunSearchAttributes {
  public static final SearchAttributeKey<String> ORGANIZATION =
      SearchAttributeKey.forKeyword("KestrelOrganizationId");
  public static final SearchAttributeKey<String> TASK =
      SearchAttributeKey.forKeyword("KestrelTaskId");
  public static final SearchAttributeKey<String> TASK_NAME =
      SearchAttributeKey.forKeyword("KestrelTaskName");
  public static final SearchAttributeKey<String> TRIGGER =
      SearchAttributeKey.forKeyword("KestrelTriggerType");
  public static final SearchAttributeKey<String> STATUS =
      SearchAttributeKey.forKeyword("KestrelRunStatus");

  /**
   * On a retry, the run it retries: ops follow the chain with {@code KestrelRetryOf = '<runId>'}.
   */
  public static final SearchAttributeKey<String> RETRY_OF =
      SearchAttributeKey.forKeyword("KestrelRetryOf");

  public static final List<SearchAttributeKey<String>> ALL =
      List.of(ORGANIZATION, TASK, TASK_NAME, TRIGGER, STATUS, RETRY_OF);

  private RunSearchAttributes() {}

  /** The attributes a run's workflow starts with. */
  public static SearchAttributes initial(RunInput input) {
    SearchAttributes.Builder attributes =
        ofTask(input.organizationId(), input.taskId(), input.taskName(), input.triggerType())
            .set(STATUS, "PENDING");
    return input.retry() == null
        ? attributes.build()
        : attributes.set(RETRY_OF, input.retry().of()).build();
  }

  /** What a schedule's firing starts with: the runs it makes are found the same way. */
  public static SearchAttributes firing(String organizationId, String taskId, String taskName) {
    return ofTask(organizationId, taskId, taskName, TriggerType.SCHEDULE).build();
  }

  private static SearchAttributes.Builder ofTask(
      String organizationId, String taskId, String taskName, TriggerType trigger) {
    SearchAttributes.Builder attributes =
        SearchAttributes.newBuilder()
            .set(ORGANIZATION, organizationId)
            .set(TASK, taskId)
            .set(TRIGGER, trigger.wireName());
    return taskName == null ? attributes : attributes.set(TASK_NAME, taskName);
  }
}
