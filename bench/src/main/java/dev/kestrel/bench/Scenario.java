package dev.kestrel.bench;

import com.microsoft.playwright.Browser;
import com.microsoft.playwright.BrowserType;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.Playwright;
import dev.kestrel.activities.browser.BrowserSettings;
import java.nio.file.Path;
import java.util.Map;

/**
 * The 5-step task every row uses, on a page served on 127.0.0.1, and the same 5 steps written as a
 * plain Playwright program: the baseline of the end-to-end and throughput rows. The long timeout is
 * for row 3, whose 100 runs queue at once: a run's timeout counts from its acceptance.
 */
final class Scenario {
  private final String pageUrl;

  Scenario(String pageUrl) {
    this.pageUrl = pageUrl;
  }

  /** The same steps on another page with the same form. */
  Scenario on(String otherPageUrl) {
    return new Scenario(otherPageUrl);
  }

  String pageUrl() {
    return pageUrl;
  }

  String taskJson(String name) {
    return """
        {"name": "%s", "timeoutSeconds": 900, "steps": [
          {"id": "open", "action": "goto", "url": "%s"},
          {"id": "fill", "action": "fill", "selector": "#order", "value": "4711"},
          {"id": "submit", "action": "click", "selector": "button[type=submit]"},
          {"id": "wait", "action": "waitFor", "selector": "#status"},
          {"id": "read", "action": "extract", "selector": "#status", "output": "status"}
        ]}
        """
        .formatted(name, pageUrl);
  }

  /** The same five steps, as anyone would write them with Playwright. */
  String runSteps(Page page) {
    page.navigate(pageUrl);
    page.fill("#order", "4711");
    page.click("button[type=submit]");
    page.waitForSelector("#status");
    return page.innerText("#status").trim();
  }

  static Playwright playwright() {
    return Playwright.create(
        new Playwright.CreateOptions().setEnv(Map.of("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")));
  }

  static Browser launch(Playwright playwright) {
    return playwright
        .chromium()
        .launch(
            new BrowserType.LaunchOptions()
                .setExecutablePath(
                    Path.of(System.getProperty("kestrel.chromium", "/usr/bin/chromium")))
                .setArgs(BrowserSettings.DEFAULT_ARGS));
  }
}
