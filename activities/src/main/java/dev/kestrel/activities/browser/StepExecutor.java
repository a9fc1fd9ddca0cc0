package dev.kestrel.activities.browser;

import com.microsoft.playwright.Download;
import com.microsoft.playwright.Locator;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.PlaywrightException;
import com.microsoft.playwright.Response;
import com.microsoft.playwright.TimeoutError;
import com.microsoft.playwright.options.WaitForSelectorState;
import dev.kestrel.activities.egress.EgressPolicy;
import dev.kestrel.activities.egress.EgressProxy;
import dev.kestrel.model.StepAction;
import dev.kestrel.model.StepCondition;
import dev.kestrel.model.StepSpec;
import dev.kestrel.store.ArtifactStore;
import dev.kestrel.workflows.BrowserActivities;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Executes one step on a session's page, on the slot thread. Waits are cut into short slices so
 * that a cancelled step stops within a fraction of a second; only a navigation blocks for long, and
 * the activity kills the browser if a cancelled navigation does not return in time.
 */
final class StepExecutor {
  /** Longest single blocking wait between two cancellation checks. */
  static final long SLICE_MS = 250;

  /** Asserts retry like Playwright's expect: 5 s unless the step sets its own timeout. */
  static final long ASSERT_TIMEOUT_MS = 5_000;

  private final EgressPolicy egress;
  private final ArtifactStore artifacts;
  private final SealedInputs sealed;
  private final long maxRunArtifactBytes;

  StepExecutor(
      EgressPolicy egress, ArtifactStore artifacts, SealedInputs sealed, long maxRunArtifactBytes) {
    this.egress = egress;
    this.artifacts = artifacts;
    this.sealed = sealed;
    this.maxRunArtifactBytes = maxRunArtifactBytes;
  }

  Map<String, Object> execute(
      BrowserSession session, String runId, StepSpec step, long defaultTimeoutMs) {
    long timeout = step.timeoutMs() != null ? step.timeoutMs() : defaultTimeoutMs;
    long deadline = System.currentTimeMillis() + timeout;
    Page page = session.page;
    // Exhaustive: a new StepAction does not compile until it has its case here.
    Object output =
        switch (step.action()) {
          case GOTO -> {
            String refusal = egress.refusal(step.url());
            if (refusal != null) {
              throw StepFailedException.egressRefused(
                  "Navigation to " + step.url() + " refused: " + refusal);
            }
            session.checkCancelled();
            Response response = navigate(session, step.url(), timeout);
            if (response != null && response.status() == 407 && session.upstream != null) {
              throw new StepFailedException(
                  "Navigation to "
                      + step.url()
                      + " failed: "
                      + session.upstream
                      + " refused its credentials (HTTP 407)");
            }
            if (response != null
                && response.status() >= 400
                && !Boolean.TRUE.equals(step.allowErrorStatus())) {
              throw StepFailedException.navigationFailed(
                  "Navigation to "
                      + response.url()
                      + " failed: HTTP "
                      + response.status()
                      + (response.statusText().isEmpty() ? "" : " " + response.statusText()));
            }
            yield null;
          }
          case CLICK -> {
            Locator target = actionable(session, step, deadline);
            if (Boolean.TRUE.equals(step.popup())) {
              goOnInPopup(session, target, deadline);
            } else {
              target.click(new Locator.ClickOptions().setTimeout(remaining(deadline)));
            }
            yield null;
          }
          case FILL -> {
            fill(session, runId, step, deadline);
            yield null;
          }
          case PRESS -> {
            actionable(session, step, deadline)
                .press(step.key(), new Locator.PressOptions().setTimeout(remaining(deadline)));
            yield null;
          }
          case SELECT -> {
            actionable(session, step, deadline)
                .selectOption(
                    step.value(),
                    new Locator.SelectOptionOptions().setTimeout(remaining(deadline)));
            yield null;
          }
          case CHECK -> {
            actionable(session, step, deadline)
                .setChecked(
                    !Boolean.FALSE.equals(step.checked()),
                    new Locator.SetCheckedOptions().setTimeout(remaining(deadline)));
            yield null;
          }
          case HOVER -> {
            actionable(session, step, deadline)
                .hover(new Locator.HoverOptions().setTimeout(remaining(deadline)));
            yield null;
          }
          case WAIT_FOR -> {
            if (step.ms() != null) {
              pause(session, step.ms());
            } else {
              waitFor(session, step, state(step.state()), deadline);
            }
            yield null;
          }
          case EXTRACT -> extract(session, step, deadline);
          case SCREENSHOT -> {
            byte[] png =
                step.selector() == null
                    ? page.screenshot(
                        new Page.ScreenshotOptions()
                            .setFullPage(Boolean.TRUE.equals(step.fullPage()))
                            .setTimeout(timeout))
                    : actionable(session, step, deadline)
                        .screenshot(
                            new Locator.ScreenshotOptions().setTimeout(remaining(deadline)));
            yield artifacts.save(runId, step.id() + ".png", png);
          }
          case ASSERT -> {
            assertStep(session, step);
            yield null;
          }
          case EVALUATE -> page.evaluate(step.expression());
          case DOWNLOAD -> download(session, runId, step, deadline);
          case UPLOAD -> {
            upload(session, runId, step, deadline);
            yield null;
          }
          case SCROLL -> {
            if (step.selector() != null) {
              actionable(session, step, deadline)
                  .scrollIntoViewIfNeeded(
                      new Locator.ScrollIntoViewIfNeededOptions().setTimeout(remaining(deadline)));
            } else {
              page.evaluate(
                  "bottom".equals(step.to())
                      ? "window.scrollTo(0, document.documentElement.scrollHeight)"
                      : "window.scrollTo(0, 0)");
            }
            yield null;
          }
          // A loop's steps are walked by the workflow; the worker reads a selector's elements.
          case FOR_EACH -> step.selector() == null ? null : elements(session, step, deadline);
          case REPEAT, BREAK -> null;
          case INPUT -> {
            // The page as the wait begins, for the person who answers (the input link's page).
            artifacts.save(
                runId,
                step.id() + ".png",
                page.screenshot(new Page.ScreenshotOptions().setTimeout(timeout)));
            yield null;
          }
        };
    Map<String, Object> outputs = new LinkedHashMap<>();
    if (step.action() == StepAction.FOR_EACH && output != null) {
      outputs.put(BrowserActivities.ITEMS, output);
    } else if (step.output() != null && output != null) {
      outputs.put(step.output(), output);
    }
    return outputs;
  }

  /**
   * Whether the step's {@code when} holds on the page as it is now (no waiting: a banner that is
   * not there is not waited for).
   */
  static boolean holds(BrowserSession session, StepCondition when) {
    if (when.exists() != null) {
      return session.page.locator(when.exists()).count() > 0;
    }
    if (when.missing() != null) {
      return session.page.locator(when.missing()).count() == 0;
    }
    if (when.visible() != null) {
      return session.page.locator(when.visible()).first().isVisible();
    }
    if (when.urlContains() != null) {
      return session.page.url().contains(when.urlContains());
    }
    return when.equals().get(0).equals(when.equals().get(1));
  }

  /**
   * Types the value, with its secret inputs opened only now; the trace of a session a secret was
   * typed in is not kept, and a failure's message shows {@code ••••} for the secret.
   */
  private void fill(BrowserSession session, String runId, StepSpec step, long deadline) {
    SealedInputs.Revealed value = sealed.reveal(runId, step.value());
    if (value.holdsSecrets()) {
      session.typedSecret();
    }
    try {
      actionable(session, step, deadline)
          .fill(value.text(), new Locator.FillOptions().setTimeout(remaining(deadline)));
    } catch (PlaywrightException e) {
      if (!value.holdsSecrets()) {
        throw e;
      }
      throw new PlaywrightException(value.mask(String.valueOf(e.getMessage())));
    }
  }

  /**
   * Clicks and goes on in the tab the click opens: once it has loaded, the run's later steps (and
   * its checkpoints) act on it. What it says is noted as the first page's is.
   */
  private static void goOnInPopup(BrowserSession session, Locator target, long deadline) {
    Page popup =
        session.page.waitForPopup(
            new Page.WaitForPopupOptions().setTimeout(remaining(deadline)),
            () -> target.click(new Locator.ClickOptions().setTimeout(remaining(deadline))));
    BrowserPool.listen(session, popup);
    popup.waitForLoadState(
        com.microsoft.playwright.options.LoadState.LOAD,
        new Page.WaitForLoadStateOptions().setTimeout(remaining(deadline)));
    session.page = popup;
  }

  /**
   * Clicks and keeps the file the page downloads as the run's artifact {@code <stepId>-<name>}; its
   * download path is the output. A file that would take the run's files over their cap fails the
   * step.
   */
  private String download(BrowserSession session, String runId, StepSpec step, long deadline) {
    Locator target = actionable(session, step, deadline);
    Download download =
        session.page.waitForDownload(
            new Page.WaitForDownloadOptions().setTimeout(remaining(deadline)),
            () -> target.click(new Locator.ClickOptions().setTimeout(remaining(deadline))));
    String failure = download.failure();
    if (failure != null) {
      throw new StepFailedException("The download failed: " + failure);
    }
    try {
      byte[] bytes = java.nio.file.Files.readAllBytes(download.path());
      long before = artifacts.size(runId);
      if (before + bytes.length > maxRunArtifactBytes) {
        throw new StepFailedException(
            "The download is "
                + bytes.length
                + " bytes: the run's files would come to more than "
                + maxRunArtifactBytes);
      }
      String name =
          step.id() + "-" + download.suggestedFilename().replaceAll("[^A-Za-z0-9._-]", "_");
      return artifacts.save(runId, name.length() > 120 ? name.substring(0, 120) : name, bytes);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    } finally {
      download.delete();
    }
  }

  /**
   * Puts the step's file in the file field its selector names; a field styled out of sight is
   * filled as well, as a person's file picker would.
   */
  private void upload(BrowserSession session, String runId, StepSpec step, long deadline) {
    byte[] content = sealed.file(runId, step.file());
    waitFor(session, step, WaitForSelectorState.ATTACHED, deadline);
    session.checkCancelled();
    String type = java.net.URLConnection.guessContentTypeFromName(step.file().name());
    locate(session, step)
        .first()
        .setInputFiles(
            new com.microsoft.playwright.options.FilePayload(
                step.file().name(), type != null ? type : "application/octet-stream", content),
            new Locator.SetInputFilesOptions().setTimeout(remaining(deadline)));
  }

  /** The longest text of an element a {@code forEach} item carries. */
  private static final int ITEM_TEXT_CHARS = 2_000;

  /**
   * A {@code forEach}'s items over the elements its selector matches (none once its timeout
   * passes): each {@code {index, text, selector}}, and {@code href} when it has one; {@code
   * selector} finds the same element again ({@code css >> nth=i}).
   */
  private List<Object> elements(BrowserSession session, StepSpec step, long deadline) {
    Locator all = locate(session, step);
    try {
      waitFor(session, step, WaitForSelectorState.ATTACHED, deadline);
    } catch (StepFailedException noneAppeared) {
      return List.of();
    }
    List<Object> items = new ArrayList<>();
    List<Locator> found = all.all();
    for (int i = 0; i < found.size() && i < step.maxRounds(); i++) {
      Locator one = found.get(i);
      Map<String, Object> item = new LinkedHashMap<>();
      item.put("index", i);
      String text = one.innerText().strip();
      item.put("text", text.length() > ITEM_TEXT_CHARS ? text.substring(0, ITEM_TEXT_CHARS) : text);
      String href = one.getAttribute("href");
      if (href != null) {
        item.put("href", href);
      }
      item.put("selector", step.selector() + " >> nth=" + i);
      items.add(item);
    }
    return items;
  }

  private Object extract(BrowserSession session, StepSpec step, long deadline) {
    Locator all = locate(session, step);
    if (Boolean.TRUE.equals(step.all())) {
      try {
        waitFor(session, step, WaitForSelectorState.ATTACHED, deadline);
      } catch (StepFailedException noneAppeared) {
        return List.of();
      }
      List<Object> values = new ArrayList<>();
      for (Locator one : all.all()) {
        values.add(read(one, step));
      }
      return values;
    }
    waitFor(session, step, WaitForSelectorState.ATTACHED, deadline);
    return read(all.first(), step);
  }

  /** The element's value; with {@code fields}, a record of what each field reads in it. */
  private static Object read(Locator element, StepSpec step) {
    if (step.fields() == null) {
      return read(element, step.attribute(), step.mode());
    }
    Map<String, Object> record = new LinkedHashMap<>();
    step.fields()
        .forEach(
            (name, field) -> {
              Locator inner = element.locator(field.selector()).first();
              // A field missing in one element is null in its record, not a failed step.
              record.put(
                  name, inner.count() == 0 ? null : read(inner, field.attribute(), field.mode()));
            });
    return record;
  }

  private static Object read(Locator element, String attribute, String mode) {
    if (attribute != null) {
      return element.getAttribute(attribute);
    }
    return "html".equals(mode) ? element.innerHTML() : element.innerText().strip();
  }

  private void assertStep(BrowserSession session, StepSpec step) {
    long timeout = step.timeoutMs() != null ? step.timeoutMs() : ASSERT_TIMEOUT_MS;
    long deadline = System.currentTimeMillis() + timeout;
    Locator element = locate(session, step).first();
    String failure;
    while (true) {
      session.checkCancelled();
      session.serviceCapture();
      failure = assertionFailure(element, step);
      if (failure == null) {
        return;
      }
      if (System.currentTimeMillis() >= deadline) {
        break;
      }
      session.page.waitForTimeout(
          Math.min(100, Math.max(1, deadline - System.currentTimeMillis())));
    }
    String message = step.message() != null ? step.message() : failure;
    throw new StepFailedException(message);
  }

  private static String assertionFailure(Locator element, StepSpec step) {
    if (step.textContains() != null) {
      if (element.count() == 0) {
        return "Expected '"
            + step.selector()
            + "' to contain \""
            + step.textContains()
            + "\", but it is not on the page";
      }
      String text = element.innerText();
      return text.contains(step.textContains())
          ? null
          : "Expected '"
              + step.selector()
              + "' to contain \""
              + step.textContains()
              + "\", found \""
              + abbreviate(text)
              + "\"";
    }
    boolean expected = !Boolean.FALSE.equals(step.visible());
    boolean visible = element.isVisible();
    return visible == expected
        ? null
        : "Expected '" + step.selector() + "' to be " + (expected ? "visible" : "hidden");
  }

  /** Waits for the step's element to be visible, then returns it for the action. */
  private Locator actionable(BrowserSession session, StepSpec step, long deadline) {
    waitFor(session, step, WaitForSelectorState.VISIBLE, deadline);
    session.checkCancelled();
    return locate(session, step).first();
  }

  /** The step's elements: in the page, or in the iframe its {@code frame} names. */
  private static Locator locate(BrowserSession session, StepSpec step) {
    return step.frame() == null
        ? session.page.locator(step.selector())
        : session.page.frameLocator(step.frame()).locator(step.selector());
  }

  private void waitFor(
      BrowserSession session, StepSpec step, WaitForSelectorState state, long deadline) {
    String selector = step.selector();
    Locator element = locate(session, step).first();
    while (true) {
      session.checkCancelled();
      session.serviceCapture(); // A live screenshot between two slices, off the step's own path.
      long left = deadline - System.currentTimeMillis();
      if (left <= 0) {
        throw new StepFailedException(
            "Timed out waiting for '"
                + selector
                + "' to be "
                + state.name().toLowerCase(Locale.ROOT));
      }
      try {
        element.waitFor(
            new Locator.WaitForOptions().setState(state).setTimeout(Math.min(SLICE_MS, left)));
        return;
      } catch (TimeoutError sliceOver) {
        // Check for cancellation, then wait another slice.
      }
    }
  }

  static void pause(BrowserSession session, long ms) {
    long deadline = System.currentTimeMillis() + ms;
    while (true) {
      session.checkCancelled();
      session.serviceCapture();
      long left = deadline - System.currentTimeMillis();
      if (left <= 0) {
        return;
      }
      session.page.waitForTimeout(Math.min(SLICE_MS, left));
    }
  }

  /**
   * Navigates through the egress proxy. What the proxy refused (a redirect to a forbidden address,
   * a tunnel it would not open) fails the step as {@code egress_refused}; what it could not reach
   * fails it as a navigation error, as it would without a proxy.
   */
  private static Response navigate(BrowserSession session, String url, long timeout) {
    Response response;
    try {
      response = session.page.navigate(url, new Page.NavigateOptions().setTimeout(timeout));
    } catch (PlaywrightException e) {
      String refused = session.lastRefusal();
      if (refused != null
          && String.valueOf(e.getMessage()).contains("ERR_TUNNEL_CONNECTION_FAILED")) {
        throw StepFailedException.egressRefused("Navigation to " + url + " refused: " + refused);
      }
      String upstream = session.lastUpstreamFailure();
      if (upstream != null) {
        throw new StepFailedException("Navigation to " + url + " failed: " + upstream);
      }
      throw e;
    }
    if (response == null) {
      return null;
    }
    Map<String, String> headers = response.headers();
    String refused = headers.get(EgressProxy.REFUSED_HEADER.toLowerCase(Locale.ROOT));
    if (refused != null) {
      throw StepFailedException.egressRefused(
          "Navigation to " + response.url() + " refused: " + refused);
    }
    String error = headers.get(EgressProxy.ERROR_HEADER.toLowerCase(Locale.ROOT));
    if (error != null) {
      throw new StepFailedException("Navigation to " + response.url() + " failed: " + error);
    }
    return response;
  }

  private static long remaining(long deadline) {
    return Math.max(1_000, deadline - System.currentTimeMillis());
  }

  private static WaitForSelectorState state(String state) {
    return state == null
        ? WaitForSelectorState.VISIBLE
        : WaitForSelectorState.valueOf(state.toUpperCase(Locale.ROOT));
  }

  private static String abbreviate(String text) {
    return text.length() <= 200 ? text : text.substring(0, 200) + "…";
  }
}
