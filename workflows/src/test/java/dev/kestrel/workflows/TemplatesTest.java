package dev.kestrel.workflows;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TemplatesTest {
  @Test
  void substitutesInputsAndOutputs() {
    Map<String, Object> inputs =
        Map.of("url", "https://example.com", "n", 3, "tags", List.of("a", "b"));
    Map<String, Object> outputs = Map.of("status", "Shipped");

    assertThat(Templates.render("{{inputs.url}}/orders?n={{ inputs.n }}", inputs, outputs, null))
        .isEqualTo("https://example.com/orders?n=3");
    assertThat(Templates.render("{{outputs.status}}!", inputs, outputs, null))
        .isEqualTo("Shipped!");
    assertThat(Templates.render("{{inputs.tags}}", inputs, outputs, null))
        .isEqualTo("[\"a\",\"b\"]");
    assertThat(Templates.render("{{inputs.missing}}|{{other.x}}", inputs, outputs, null))
        .isEqualTo("|{{other.x}}");
    assertThat(Templates.render("$1 \\ {{outputs.status}}", inputs, outputs, null))
        .isEqualTo("$1 \\ Shipped");
  }

  @Test
  void substitutesAnInputStepsAnswersAndLeavesOtherShapesAlone() {
    Map<String, Map<String, Object>> answers =
        Map.of("otp", Map.of("code", "{{sealed:abc}}", "n", 7, "ok", true));

    assertThat(Templates.render("{{input.otp.code}}", null, null, answers))
        .isEqualTo("{{sealed:abc}}");
    assertThat(Templates.render("{{ input.otp.n }}/{{input.otp.ok}}", null, null, answers))
        .isEqualTo("7/true");
    assertThat(Templates.render("[{{input.otp.absent}}{{input.later.code}}]", null, null, answers))
        .as("an unanswered field or a wait not reached yet is empty")
        .isEqualTo("[]");
    assertThat(Templates.render("{{outputs.a.b}}|{{input.otp}}", null, Map.of(), answers))
        .isEqualTo("{{outputs.a.b}}|{{input.otp}}");
  }
}
