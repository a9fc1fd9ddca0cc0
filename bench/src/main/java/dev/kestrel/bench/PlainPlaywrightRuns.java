package dev.kestrel.bench;

import com.microsoft.playwright.Browser;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Playwright;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;

/**
 * The CPU row's baseline, in a JVM of its own so that its CPU can be read as the server's is: the 5
 * steps as a plain Playwright program, a fresh context per run on a browser launched once. Prints
 * {@code READY} once warm, runs {@code n} times when a line arrives on stdin, prints {@code DONE}.
 */
public final class PlainPlaywrightRuns {
  private PlainPlaywrightRuns() {}

  public static void main(String[] args) throws Exception {
    Scenario scenario = new Scenario(args[0]);
    int n = Integer.parseInt(args[1]);
    try (Playwright playwright = Scenario.playwright();
        Browser browser = Scenario.launch(playwright)) {
      for (int i = 0; i < 2; i++) {
        once(scenario, browser);
      }
      System.out.println("READY");
      System.out.flush();
      new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
      for (int i = 0; i < n; i++) {
        once(scenario, browser);
      }
      System.out.println("DONE");
      System.out.flush();
      System.in.read(); // Stay until the bench has read the CPU counters.
    }
  }

  private static void once(Scenario scenario, Browser browser) {
    try (BrowserContext context = browser.newContext()) {
      scenario.runSteps(context.newPage());
    }
  }
}
