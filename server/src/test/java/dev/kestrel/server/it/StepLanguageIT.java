package dev.kestrel.server.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kestrel.server.config.KestrelConfiguration;
import dev.kestrel.server.support.ApiClient;
import dev.kestrel.server.support.TestApps;
import dev.kestrel.testkit.TestPages;
import io.dropwizard.testing.junit5.DropwizardAppExtension;
import io.dropwizard.testing.junit5.DropwizardExtensionsSupport;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 26 (first part): what any step may carry, `when`, `retries` and `optional`, and the actions
 * `evaluate` and `scroll`, on real pages; a `goto` to an error page fails at once.
 */
@ExtendWith(DropwizardExtensionsSupport.class)
class StepLanguageIT {
  static final Duration ENDS = Duration.ofSeconds(60);

  @RegisterExtension static final TestPages PAGES = new TestPages();
  static final DropwizardAppExtension<KestrelConfiguration> APP = TestApps.shared();

  @Test
  void whenRetriesOptionalEvaluateAndScrollDoWhatTheySay() {
    ApiClient api = TestApps.api(APP);
    String taskId =
        TestApps.createTask(
            api,
            """
            {"name": "Banner, flaky page, endless list",
             "inputs": {"show": {"type": "string", "default": "0"}},
             "steps": [
               {"id": "open", "action": "goto", "url": "%s?show={{inputs.show}}"},
               {"id": "accept", "action": "click", "selector": "#accept",
                "when": {"exists": "#banner"}},
               {"id": "flaky", "action": "goto", "url": "%s?key={{inputs.show}}",
                "retries": {"max": 2, "delayMs": 100}},
               {"id": "read", "action": "extract", "selector": "#ok", "output": "flaky"},
               {"id": "nothing", "action": "click", "selector": "#nothing", "timeoutMs": 300,
                "optional": true},
               {"id": "list", "action": "goto", "url": "%s"},
               {"id": "down", "action": "scroll", "to": "bottom"},
               {"id": "loaded", "action": "waitFor", "selector": "#item-25"},
               {"id": "count", "action": "evaluate",
                "expression": "({items: document.querySelectorAll('li').length, ok: true})",
                "output": "list"}
             ]}
            """
                .formatted(PAGES.url("/banner"), PAGES.url("/flaky"), PAGES.url("/endless")));

    String without = TestApps.queue(api, taskId, "{\"inputs\": {\"show\": \"0\"}}");
    JsonNode run = TestApps.awaitTerminal(api, without, ENDS);
    assertThat(run.get("status").asText()).as(run.toString()).isEqualTo("COMPLETED");
    assertThat(run.at("/outputs/flaky").asText()).isEqualTo("ok after 3");
    assertThat(run.at("/outputs/list/items").asInt()).isGreaterThanOrEqualTo(40);
    assertThat(run.at("/outputs/list/ok").asBoolean()).isTrue();
    assertThat(PAGES.hits("/banner-closed")).as("no banner, no click").isZero();
    assertThat(PAGES.hits("/flaky")).as("two 500s, then the page").isEqualTo(3);
    String logs = api.get("/public/v1/task-runs/" + without + "/logs").raw().body();
    assertThat(logs)
        .contains("Step 2/9 click #accept skipped: '#banner' exists does not hold")
        .contains("failed (attempt 1 of 3): Navigation to ")
        .contains("failed (attempt 2 of 3)")
        .contains("Step 5/9 click #nothing failed (optional, the run goes on)");
    assertThat(logs).doesNotContain("\"level\":\"error\"");

    String with = TestApps.queue(api, taskId, "{\"inputs\": {\"show\": \"1\"}}");
    JsonNode shown = TestApps.awaitTerminal(api, with, ENDS);
    assertThat(shown.get("status").asText()).as(shown.toString()).isEqualTo("COMPLETED");
    assertThat(PAGES.hits("/banner-closed")).as("the banner was there and closed").isEqualTo(1);
  }

  @Test
  void aGotoToAnErrorPageFailsAtOnceNamingItsStatusUnlessItIsAllowed() {
    ApiClient api = TestApps.api(APP);
    String taskId =
        TestApps.createTask(
            api,
            """
            {"name": "A missing page", "inputs": {"allow": {"type": "boolean", "default": false}},
             "steps": [
               {"id": "allowed", "action": "goto", "url": "%s", "allowErrorStatus": true},
               {"id": "missing", "action": "goto", "url": "%s"}
             ]}
            """
                .formatted(PAGES.url("/missing/allowed"), PAGES.url("/missing/page")));
    String runId = TestApps.queue(api, taskId, "{}");
    JsonNode run = TestApps.awaitTerminal(api, runId, ENDS);
    assertThat(run.get("status").asText()).isEqualTo("FAILED");
    assertThat(run.at("/error/code").asText()).isEqualTo("navigation_failed");
    assertThat(run.at("/error/nodeId").asText()).isEqualTo("missing");
    assertThat(run.at("/error/message").asText()).contains("/missing/page failed: HTTP 404");
  }

  @Test
  void aFieldInsideAnIframeIsFilledADownloadIsKeptWithItsBytesAndAPopupIsReadOn() {
    ApiClient api = TestApps.api(APP);
    String taskId =
        TestApps.createTask(
            api,
            """
            {"name": "Pay in a frame, export a file", "steps": [
               {"id": "open", "action": "goto", "url": "%s"},
               {"id": "card", "action": "fill", "selector": "#card", "value": "4242",
                "frame": "#pay"},
               {"id": "pay", "action": "click", "selector": "#send", "frame": "#pay"},
               {"id": "export", "action": "goto", "url": "%s"},
               {"id": "csv", "action": "download", "selector": "#csv", "output": "file"},
               {"id": "opener", "action": "goto", "url": "%s"},
               {"id": "details", "action": "click", "selector": "#open", "popup": true},
               {"id": "tab", "action": "extract", "selector": "#value", "output": "tab"}
             ]}
            """
                .formatted(PAGES.url("/framed"), PAGES.url("/export"), PAGES.url("/opener")));
    String runId = TestApps.queue(api, taskId, "{}");
    JsonNode run = TestApps.awaitTerminal(api, runId, ENDS);

    assertThat(run.get("status").asText()).as(run.toString()).isEqualTo("COMPLETED");
    org.awaitility.Awaitility.await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> PAGES.frameSent().contains("4242"));
    String file = run.at("/outputs/file").asText();
    assertThat(file).isEqualTo("/public/v1/task-runs/" + runId + "/artifacts/csv-export.csv");
    assertThat(run.get("artifacts").toString()).contains("csv-export.csv");
    assertThat(api.get(file).raw().body()).isEqualTo(TestPages.EXPORT_CSV);
    assertThat(run.at("/outputs/tab").asText())
        .as("read in the tab it opened")
        .isEqualTo("from the tab");
  }

  @Test
  void uploadPostsTheTasksOwnFileAndAFileInputWhoseBytesNeverTravelInTheWorkflow()
      throws Exception {
    ApiClient api = TestApps.api(APP);
    byte[] own = "sku,qty\nA-1,3\n".getBytes(java.nio.charset.StandardCharsets.UTF_8);
    // 3 MiB: larger than the default request limit (1 MiB) and than a Temporal payload (2 MB).
    byte[] invoice = new byte[3 * 1024 * 1024];
    new java.util.Random(26).nextBytes(invoice);
    String ownBase64 = java.util.Base64.getEncoder().encodeToString(own);
    String invoiceBase64 = java.util.Base64.getEncoder().encodeToString(invoice);
    String taskId =
        TestApps.createTask(
            api,
            """
            {"name": "Upload an order and an invoice",
             "inputs": {"invoice": {"type": "file", "required": true}},
             "steps": [
               {"id": "open", "action": "goto", "url": "%s"},
               {"id": "order", "action": "upload", "selector": "#file",
                "file": {"name": "order.csv", "contentBase64": "%s"}},
               {"id": "send-order", "action": "click", "selector": "#send"},
               {"id": "sent-order", "action": "assert", "selector": "#status",
                "textContains": "order.csv"},
               {"id": "invoice", "action": "upload", "selector": "#file",
                "file": "{{inputs.invoice}}"},
               {"id": "send-invoice", "action": "click", "selector": "#send"},
               {"id": "sent-invoice", "action": "assert", "selector": "#status",
                "textContains": "invoice.pdf"}
             ]}
            """
                .formatted(PAGES.url("/upload"), ownBase64));
    JsonNode task = api.get("/public/v1/tasks/" + taskId).json().get("task");
    assertThat(task.at("/steps/1/file/sha256").asText()).hasSize(64);
    assertThat(task.at("/steps/1/file/bytes").asLong()).isEqualTo(own.length);
    assertThat(task.at("/steps/1/file").has("contentBase64"))
        .as("the task keeps the file; its definition names it")
        .isFalse();

    String runId =
        TestApps.queue(
            api,
            taskId,
            "{\"inputs\": {\"invoice\": {\"name\": \"invoice.pdf\", \"contentBase64\": \""
                + invoiceBase64
                + "\"}}}");
    JsonNode run = TestApps.awaitTerminal(api, runId, ENDS);

    assertThat(run.get("status").asText()).as(run.toString()).isEqualTo("COMPLETED");
    assertThat(PAGES.received()).hasSize(2);
    assertThat(PAGES.received().get(0).name()).isEqualTo("order.csv");
    assertThat(PAGES.received().get(0).content()).isEqualTo(own);
    assertThat(PAGES.received().get(1).name()).isEqualTo("invoice.pdf");
    assertThat(PAGES.received().get(1).content()).isEqualTo(invoice);
    assertThat(run.at("/inputs/invoice/bytes").asLong()).isEqualTo(invoice.length);
    assertThat(run.at("/inputs/invoice").has("contentBase64")).isFalse();
    String history = TestApps.history(APP, runId);
    assertThat(history).doesNotContain(ownBase64).doesNotContain(invoiceBase64.substring(0, 64));
    assertThat(history.length()).as("the history carries digests, not files").isLessThan(200_000);
  }

  @Test
  void extractReadsRecordsByFieldsAndAppendsThemAcrossPages() {
    ApiClient api = TestApps.api(APP);
    String taskId =
        TestApps.createTask(
            api,
            """
            {"name": "Catalogue as records", "steps": [
               {"id": "page1", "action": "goto", "url": "%s?p=1"},
               {"id": "rows1", "action": "extract", "selector": "li.product", "all": true,
                "output": "products", "append": true, "fields": {"name": "h2",
                "price": ".price", "link": {"selector": "a", "attribute": "href"},
                "missing": ".nowhere"}},
               {"id": "page2", "action": "goto", "url": "%s?p=2"},
               {"id": "rows2", "action": "extract", "selector": "li.product", "all": true,
                "output": "products", "append": true, "fields": {"name": "h2",
                "price": ".price", "link": {"selector": "a", "attribute": "href"},
                "missing": ".nowhere"}},
               {"id": "first", "action": "extract", "selector": "li.product",
                "output": "first", "fields": {"name": "h2"}}
             ]}
            """
                .formatted(PAGES.url("/catalogue"), PAGES.url("/catalogue")));
    JsonNode run = TestApps.awaitTerminal(api, TestApps.queue(api, taskId, "{}"), ENDS);

    assertThat(run.get("status").asText()).as(run.toString()).isEqualTo("COMPLETED");
    JsonNode products = run.at("/outputs/products");
    assertThat(products.size()).isEqualTo(6);
    for (int n = 1; n <= 6; n++) {
      JsonNode product = products.get(n - 1);
      assertThat(product.get("name").asText()).isEqualTo("Product " + n);
      assertThat(product.get("price").asText()).isEqualTo(n + ".99");
      assertThat(product.get("link").asText()).isEqualTo("/details/" + n);
      assertThat(product.get("missing").isNull()).isTrue();
    }
    assertThat(run.at("/outputs/first/name").asText()).isEqualTo("Product 4");
  }

  @Test
  void repeatBreakAndForEachReadAShopsPagesAndVisitEveryProductOnce() {
    ApiClient api = TestApps.api(APP);
    String taskId =
        TestApps.createTask(
            api,
            """
            {"name": "Whole shop", "inputs": {"base": {"type": "string", "required": true}},
             "steps": [
               {"id": "open", "action": "goto", "url": "{{inputs.base}}/shop/page/1"},
               {"id": "pages", "action": "repeat", "max": 10, "steps": [
                 {"id": "rows", "action": "extract", "selector": "li.product", "all": true,
                  "output": "products", "append": true, "fields": {"name": "h2",
                  "price": ".price", "link": {"selector": "a", "attribute": "href"}}},
                 {"id": "last", "action": "break", "when": {"missing": "a.next"}},
                 {"id": "nextLink", "action": "extract", "selector": "a.next",
                  "attribute": "href", "output": "next"},
                 {"id": "turn", "action": "goto", "url": "{{inputs.base}}{{outputs.next}}"}
               ]},
               {"id": "each", "action": "forEach", "items": "{{outputs.products}}",
                "as": "product", "steps": [
                 {"id": "details", "action": "goto", "url": "{{inputs.base}}{{product.link}}"},
                 {"id": "sku", "action": "extract", "selector": "#sku", "output": "skus",
                  "append": true},
                 {"id": "seen", "action": "extract", "selector": "h1:text-is('Item {{loop.index}}')",
                  "output": "seen", "append": true, "when": {"equals": ["{{loop.count}}", "15"]}}
               ]}
             ]}
            """);
    // Other tests of this class open the shop too: count this run's requests only.
    java.util.Map<String, Long> before = new java.util.HashMap<>();
    for (int n = 1; n <= 15; n++) {
      before.put("/shop/page/" + n, PAGES.hits("/shop/page/" + n));
      before.put("/shop/item/" + n, PAGES.hits("/shop/item/" + n));
    }
    String runId =
        TestApps.queue(api, taskId, "{\"inputs\": {\"base\": \"" + PAGES.url("") + "\"}}");
    JsonNode run = TestApps.awaitTerminal(api, runId, ENDS);

    assertThat(run.get("status").asText()).as(run.toString()).isEqualTo("COMPLETED");
    JsonNode products = run.at("/outputs/products");
    assertThat(products.size()).isEqualTo(15);
    for (int n = 1; n <= 15; n++) {
      JsonNode product = products.get(n - 1);
      assertThat(product.get("name").asText()).isEqualTo("Item " + n);
      assertThat(product.get("price").asText()).isEqualTo(n * 10 + ".00");
      assertThat(product.get("link").asText()).isEqualTo("/shop/item/" + n);
      assertThat(run.at("/outputs/skus/" + (n - 1)).asText()).isEqualTo("SKU-" + n);
    }
    assertThat(run.at("/outputs/skus").size()).isEqualTo(15);
    assertThat(run.at("/outputs/seen/0").asText()).isEqualTo("Item 1");
    assertThat(run.at("/outputs/seen/14").asText()).isEqualTo("Item 15");
    for (int page = 1; page <= 3; page++) {
      String path = "/shop/page/" + page;
      assertThat(PAGES.hits(path) - before.get(path)).as(path).isEqualTo(1);
    }
    for (int n = 1; n <= 15; n++) {
      String path = "/shop/item/" + n;
      assertThat(PAGES.hits(path) - before.get(path)).as(path).isEqualTo(1);
    }
    String logs = api.get("/public/v1/task-runs/" + runId + "/logs").raw().body();
    assertThat(logs)
        .contains("Step 2/3 round 3 › last break")
        .contains("Step 3/3 each 7/15 › details goto " + PAGES.url("/shop/item/7"));
  }

  @Test
  void aForEachOverASelectorGoesThroughTheElementsAndItsWhenCanSkipIt() {
    ApiClient api = TestApps.api(APP);
    String taskId =
        TestApps.createTask(
            api,
            """
            {"name": "Elements", "steps": [
               {"id": "open", "action": "goto", "url": "%s"},
               {"id": "none", "action": "forEach", "selector": "li.product",
                "when": {"exists": ".no-such-thing"}, "steps": [
                 {"id": "never", "action": "extract", "selector": "h2", "output": "never"}]},
               {"id": "each", "action": "forEach", "selector": "li.product", "steps": [
                 {"id": "name", "action": "extract", "selector": "{{item.selector}} >> h2",
                  "output": "names", "append": true},
                 {"id": "href", "action": "extract", "output": "links", "append": true,
                  "selector": "{{item.selector}} >> a", "attribute": "href",
                  "when": {"equals": ["{{item.index}}", "4"]}}]}
             ]}
            """
                .formatted(PAGES.url("/shop/page/2")));
    JsonNode run = TestApps.awaitTerminal(api, TestApps.queue(api, taskId, "{}"), ENDS);

    assertThat(run.get("status").asText()).as(run.toString()).isEqualTo("COMPLETED");
    assertThat(run.at("/outputs/never").isMissingNode()).isTrue();
    assertThat(run.at("/outputs/names").toString())
        .isEqualTo("[\"Item 6\",\"Item 7\",\"Item 8\",\"Item 9\",\"Item 10\"]");
    assertThat(run.at("/outputs/links").toString()).isEqualTo("[\"/shop/item/10\"]");
  }
}
