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

    assertThat(Templates.render("{{inputs.url}}/orders?n={{ inputs.n }}", inputs, outputs))
        .isEqualTo("https://example.com/orders?n=3");
    assertThat(Templates.render("{{outputs.status}}!", inputs, outputs)).isEqualTo("Shipped!");
    assertThat(Templates.render("{{inputs.tags}}", inputs, outputs)).isEqualTo("[\"a\",\"b\"]");
    assertThat(Templates.render("{{inputs.missing}}|{{other.x}}", inputs, outputs))
        .isEqualTo("|{{other.x}}");
    assertThat(Templates.render("$1 \\ {{outputs.status}}", inputs, outputs))
        .isEqualTo("$1 \\ Shipped");
  }
}
