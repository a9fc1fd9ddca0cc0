package dev.kestrel.server.support;

import com.microsoft.playwright.Browser;
import com.microsoft.playwright.BrowserType;
import com.microsoft.playwright.Playwright;
import dev.kestrel.activities.browser.BrowserSettings;
import java.nio.file.Path;
import java.util.Map;

/**
 * The machine's Chromium for tests that act as a person would in a browser (the Temporal UI, an
 * input link's page): Playwright never downloads one here.
 */
public final class TestChromium {
  private TestChromium() {}

  public static Playwright playwright() {
    return Playwright.create(
        new Playwright.CreateOptions().setEnv(Map.of("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")));
  }

  public static Browser launch(Playwright playwright) {
    return playwright
        .chromium()
        .launch(
            new BrowserType.LaunchOptions()
                .setExecutablePath(
                    Path.of(System.getProperty("kestrel.chromium", "/usr/bin/chromium")))
                .setArgs(BrowserSettings.DEFAULT_ARGS));
  }
}
