package dev.kestrel.activities.browser;

import static org.assertj.core.api.Assertions.assertThat;

import com.microsoft.playwright.PlaywrightException;
import org.junit.jupiter.api.Test;

class MessagesTest {
  @Test
  void showsTheMessageInsidePlaywrightsErrorBlock() {
    PlaywrightException e =
        new PlaywrightException(
            "Error {\n  message='Failed to launch chromium because executable doesn't exist at /x/chromium\n  more'\n  name='Error\n}");

    assertThat(BrowserActivitiesImpl.firstLine(e))
        .isEqualTo("Failed to launch chromium because executable doesn't exist at /x/chromium");
  }

  @Test
  void keepsThePlainFirstLineOtherwise() {
    assertThat(BrowserActivitiesImpl.firstLine(new IllegalStateException("first\nsecond")))
        .isEqualTo("first");
    assertThat(BrowserActivitiesImpl.firstLine(new IllegalStateException()))
        .isEqualTo("IllegalStateException");
  }
}
