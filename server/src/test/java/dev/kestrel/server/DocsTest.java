package dev.kestrel.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kestrel.model.StepAction;
import dev.kestrel.model.StepField;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The docs stand on their own: nothing links outside the repository, and every step action is
 * documented.
 */
class DocsTest {
  static final Path ROOT = ComposeFileTest.ROOT;
  private static final Pattern LINK = Pattern.compile("\\]\\(([^)\\s#]+)(#[^)]*)?\\)");

  @Test
  void noMarkdownFileLinksOutsideTheRepositoryOrToAFileThatIsNotThere() throws IOException {
    List<String> broken = new ArrayList<>();
    for (Path doc : markdownFiles()) {
      String text = Files.readString(doc);
      if (text.contains("../shared")) {
        broken.add(ROOT.relativize(doc) + " names ../shared");
      }
      Matcher link = LINK.matcher(text);
      while (link.find()) {
        String target = link.group(1);
        if (target.matches("[a-z]+:.*")) {
          continue; // a URL, not a file
        }
        Path resolved = doc.getParent().resolve(target).normalize();
        if (!resolved.startsWith(ROOT) || !Files.exists(resolved)) {
          broken.add(ROOT.relativize(doc) + " -> " + target);
        }
      }
    }
    assertThat(broken).isEmpty();
  }

  @Test
  void theStepReferenceNamesEveryActionWithEachOfItsFields() throws IOException {
    String reference = Files.readString(ROOT.resolve("docs/steps.md"));
    for (StepAction action : StepAction.values()) {
      String heading = "### `" + action.wireName() + "`";
      assertThat(reference).as("a section for %s", action).contains(heading);
      int start = reference.indexOf(heading);
      int next = reference.indexOf("\n### ", start + heading.length());
      String section = reference.substring(start, next < 0 ? reference.length() : next);
      for (StepField field : action.required()) {
        assertThat(section).as("%s names %s", action, field).contains("`" + field.wireName() + "`");
      }
      for (StepField field : action.optional()) {
        assertThat(section).as("%s names %s", action, field).contains("`" + field.wireName() + "`");
      }
      assertThat(section)
          .as("%s has an example", action)
          .contains("\"action\": \"" + action.wireName() + "\"");
    }
    for (StepField common : StepField.COMMON) {
      assertThat(reference).contains("`" + common.wireName() + "`");
    }
  }

  @Test
  void theReadmeIsShortAndStartsWithTheTwoCommands() throws IOException {
    List<String> readme = Files.readAllLines(ROOT.resolve("README.md"));
    assertThat(readme.size()).isLessThanOrEqualTo(200);
    assertThat(String.join("\n", readme.subList(0, 6))).contains("scripts/serve\nscripts/test");
  }

  private static List<Path> markdownFiles() throws IOException {
    try (Stream<Path> files = Files.walk(ROOT)) {
      return files
          .filter(p -> p.toString().endsWith(".md"))
          .filter(p -> !ROOT.relativize(p).toString().contains("target/"))
          .filter(p -> !ROOT.relativize(p).startsWith(".git"))
          .toList();
    }
  }
}
