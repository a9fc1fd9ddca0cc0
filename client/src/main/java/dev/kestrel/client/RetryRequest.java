package dev.kestrel.client;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import java.util.Map;

/**
 * Extension: the body of a retry of a FAILED or CANCELLED run. {@code fromStep} null: the step it
 * failed at; {@code inputs} over the original's; {@code confirm} the once-steps the original
 * completed that may run again. With a {@code clientRequestId}, repeats make one retry.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record RetryRequest(
    Integer fromStep, Map<String, Object> inputs, String clientRequestId, List<String> confirm) {
  /** From the step the run failed at, with its inputs. */
  public static RetryRequest fromFailedStep() {
    return new RetryRequest(null, null, null, null);
  }

  public static RetryRequest fromStep(int step) {
    return new RetryRequest(step, null, null, null);
  }

  public RetryRequest inputs(Map<String, Object> values) {
    return new RetryRequest(fromStep, values, clientRequestId, confirm);
  }

  public RetryRequest clientRequestId(String id) {
    return new RetryRequest(fromStep, inputs, id, confirm);
  }

  public RetryRequest confirm(List<String> stepIds) {
    return new RetryRequest(fromStep, inputs, clientRequestId, stepIds);
  }
}
