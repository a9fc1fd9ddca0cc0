package dev.kestrel.server.system;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.microsoft.playwright.Browser;
import com.microsoft.playwright.Frame;
import com.microsoft.playwright.Locator;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.Playwright;
import com.microsoft.playwright.PlaywrightException;
import dev.kestrel.server.support.TestChromium;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/** What ops do in the Temporal UI, in a real Chromium, with a screenshot of each view kept. */
final class TemporalUi {
  static final Path SHOTS = Path.of("target/ui-screenshots");

  private TemporalUi() {}

  /**
   * Filters the workflows by task (a search attribute), opens the run's workflow, reads its
   * timeline (one activity per step, named by its summary), its summary and its search attributes.
   * The run is a 5-step task ending in {@code extract #status}.
   */
  static void assertShowsRun(
      String uiUrl, String taskId, String runId, String taskName, String shotPrefix)
      throws Exception {
    Files.createDirectories(SHOTS);
    try (Playwright playwright = TestChromium.playwright();
        Browser browser = TestChromium.launch(playwright)) {
      Page page = browser.newPage(new Browser.NewPageOptions().setViewportSize(1400, 1000));
      String query = URLEncoder.encode("KestrelTaskId=\"" + taskId + "\"", StandardCharsets.UTF_8);
      page.navigate(uiUrl + "/namespaces/default/workflows?query=" + query);
      Locator link = page.locator("a:has-text('run-" + runId + "')");
      link.first().waitFor(new Locator.WaitForOptions().setTimeout(60_000));
      page.screenshot(
          new Page.ScreenshotOptions()
              .setPath(SHOTS.resolve(shotPrefix + "1-filtered-by-task.png"))
              .setFullPage(true));
      page.navigate(uiUrl + link.first().getAttribute("href"));

      // The timeline tells the story: each step is an activity named by its summary.
      page.getByText("RunStep • 1/5 goto")
          .first()
          .waitFor(new Locator.WaitForOptions().setTimeout(60_000));
      assertThat(page.getByText("RunStep • 5/5 extract #status").count()).isPositive();
      page.screenshot(
          new Page.ScreenshotOptions()
              .setPath(SHOTS.resolve(shotPrefix + "2-run-timeline.png"))
              .setFullPage(true));

      page.getByText("User Metadata").first().click();
      // The summary is rendered as Markdown in a sandboxed frame (typographic quotes around the
      // name).
      await()
          .atMost(Duration.ofSeconds(30))
          .untilAsserted(
              () ->
                  assertThat(allText(page))
                      .contains("Run " + runId + " of task", taskName, "(5 steps)"));
      page.screenshot(
          new Page.ScreenshotOptions()
              .setPath(SHOTS.resolve(shotPrefix + "3-run-summary.png"))
              .setFullPage(true));

      page.getByText("Search Attributes").first().click();
      await()
          .atMost(Duration.ofSeconds(30))
          .untilAsserted(
              () ->
                  assertThat(allText(page))
                      .contains(
                          "KestrelRunStatus",
                          "KestrelTaskId",
                          taskId,
                          "KestrelOrganizationId",
                          "KestrelTriggerType"));
      page.screenshot(
          new Page.ScreenshotOptions()
              .setPath(SHOTS.resolve(shotPrefix + "4-run-search-attributes.png"))
              .setFullPage(true));
    }
  }

  /** The text of the page and of its frames. */
  private static String allText(Page page) {
    StringBuilder text = new StringBuilder();
    for (Frame frame : page.frames()) {
      try {
        text.append(frame.innerText("body")).append('\n');
      } catch (PlaywrightException detachedOrEmpty) {
        // A frame that went away meanwhile has nothing to show.
      }
    }
    return text.toString();
  }
}
