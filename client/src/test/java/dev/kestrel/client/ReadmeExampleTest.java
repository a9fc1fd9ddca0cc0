package dev.kestrel.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;

/** The README's Java example compiles as written, against this client and nothing else of ours. */
class ReadmeExampleTest {
  @Test
  void theReadmesJavaExampleCompilesAgainstTheClient() throws IOException {
    String readme = Files.readString(Path.of("..", "README.md"));
    Matcher block = Pattern.compile("```java\\n(.*?)```", Pattern.DOTALL).matcher(readme);
    assertThat(block.find()).as("a java block in the README").isTrue();
    Matcher className = Pattern.compile("public class (\\w+)").matcher(block.group(1));
    assertThat(className.find()).as("the example is a whole class").isTrue();

    Path dir = Files.createTempDirectory("readme-example-");
    Path source = dir.resolve(className.group(1) + ".java");
    Files.writeString(source, block.group(1));
    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    ByteArrayOutputStream errors = new ByteArrayOutputStream();
    int exit =
        javac.run(
            null,
            null,
            errors,
            "-d",
            dir.toString(),
            "-classpath",
            System.getProperty("java.class.path"),
            source.toString());

    assertThat(exit).as(errors.toString(StandardCharsets.UTF_8)).isZero();
    assertThat(dir.resolve(className.group(1) + ".class")).exists();
  }
}
