package dev.kestrel.workflows;

import static org.assertj.core.api.Assertions.assertThatCode;

import io.temporal.testing.WorkflowReplayer;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * Runs already in flight when the server is upgraded must go on with the new workflow code: each
 * history here was recorded by an earlier version of {@link RunWorkflowImpl} and must replay on
 * this one without a non-determinism error. Record one whenever the workflow's commands change
 * (behind {@code Workflow.getVersion}).
 */
class RunWorkflowReplayTest {

  @Test
  void aRunStartedBeforeLeanStepsReplaysOnTheCurrentCode() throws Exception {
    String history = read("/histories/run-before-lean-steps.json");

    assertThatCode(() -> WorkflowReplayer.replayWorkflowExecution(history, RunWorkflowImpl.class))
        .doesNotThrowAnyException();
  }

  private static String read(String resource) throws IOException {
    try (InputStream in = RunWorkflowReplayTest.class.getResourceAsStream(resource)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }
}
