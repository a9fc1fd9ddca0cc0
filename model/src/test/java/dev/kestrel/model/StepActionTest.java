package dev.kestrel.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.EnumSet;
import org.junit.jupiter.api.Test;

class StepActionTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** A step of {@code action} with every string field set to "{{t}}". */
  private static StepSpec everyStringField(StepAction action) {
    ObjectNode node = JSON.createObjectNode();
    for (StepField field : StepField.values()) {
      if (field.type() == StepField.Type.STRING) {
        node.put(field.wireName(), "{{t}}");
      }
    }
    node.put("action", action.wireName());
    return JSON.convertValue(node, StepSpec.class);
  }

  @Test
  void templatesAreSubstitutedExactlyInTheFieldsTheActionTemplates() {
    for (StepAction action : StepAction.values()) {
      ObjectNode mapped = JSON.valueToTree(everyStringField(action).mapTemplates(s -> "done"));
      for (StepField field : StepField.values()) {
        if (field.type() != StepField.Type.STRING || field == StepField.ACTION) {
          continue;
        }
        String expected = action.templated().contains(field) ? "done" : "{{t}}";
        assertThat(mapped.get(field.wireName()).asText())
            .as(action + " " + field)
            .isEqualTo(expected);
      }
    }
  }

  @Test
  void anActionTemplatesOnlyFieldsItTakesAndEveryTemplatedFieldIsTakenBySomeAction() {
    EnumSet<StepField> templatedSomewhere = EnumSet.noneOf(StepField.class);
    for (StepAction action : StepAction.values()) {
      assertThat(action.templated()).allMatch(action::takes).allMatch(StepField::templated);
      templatedSomewhere.addAll(action.templated());
    }
    for (StepField field : StepField.values()) {
      assertThat(templatedSomewhere.contains(field))
          .as(field.wireName())
          .isEqualTo(field.templated());
    }
  }

  @Test
  void actionsTravelByTheirWireNames() throws Exception {
    StepSpec step =
        JSON.readValue("{\"id\": \"w\", \"action\": \"waitFor\", \"ms\": 5}", StepSpec.class);
    assertThat(step.action()).isEqualTo(StepAction.WAIT_FOR);
    assertThat(JSON.writeValueAsString(step))
        .isEqualTo("{\"id\":\"w\",\"action\":\"waitFor\",\"ms\":5}");
    assertThat(step.describe()).isEqualTo("waitFor 5 ms");
    assertThat(StepAction.find("teleport")).isEmpty();
    assertThatThrownBy(() -> JSON.readValue("{\"action\": \"teleport\"}", StepSpec.class))
        .hasMessageContaining("unknown step action 'teleport'");
  }
}
