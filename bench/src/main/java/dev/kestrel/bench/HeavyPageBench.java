package dev.kestrel.bench;

import com.microsoft.playwright.Browser;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.BrowserType;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.Playwright;
import com.microsoft.playwright.options.Proxy;
import com.microsoft.playwright.options.WaitUntilState;
import dev.kestrel.activities.browser.BrowserSettings;
import dev.kestrel.activities.egress.EgressPolicy;
import dev.kestrel.activities.egress.EgressProxy;
import dev.kestrel.bench.Report.Row;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;

/**
 * Row 13: what the egress proxy costs a heavy page (issue 27). A page of 300 and one of 3,000
 * images on 127.0.0.1, loaded to its {@code load} event by a Chromium behind the worker's egress
 * proxy (launched as a browser slot launches it), against the same Chromium build with no proxy, in
 * turns, a fresh context per load.
 */
final class HeavyPageBench {
  static final String ROW = "13 heavy page";

  private HeavyPageBench() {}

  static void run(Report report, Playwright playwright, int loads) throws Exception {
    Map<String, Object> notes = new LinkedHashMap<>();
    Server pages = pageServer();
    int pagesPort = ((ServerConnector) pages.getConnectors()[0]).getLocalPort();
    try (EgressProxy egress = new EgressProxy(new EgressPolicy(true, true))) {
      int port = egress.open((request, reason) -> {});
      Browser direct = Scenario.launch(playwright);
      Browser proxied =
          playwright
              .chromium()
              .launch(
                  new BrowserType.LaunchOptions()
                      .setExecutablePath(
                          Path.of(System.getProperty("kestrel.chromium", "/usr/bin/chromium")))
                      .setProxy(new Proxy("http://127.0.0.1:" + port))
                      .setArgs(BrowserSettings.DEFAULT_ARGS));
      try {
        for (int n : new int[] {300, 3000}) {
          String url = "http://127.0.0.1:" + pagesPort + "/heavy?n=" + n;
          System.out.printf(
              "  %d images: warm-up %.0f ms without the proxy, %.0f ms through it%n",
              n, load(direct, url), load(proxied, url));
          List<Double> plain = new ArrayList<>();
          List<Double> through = new ArrayList<>();
          for (int i = 0; i < loads; i++) {
            plain.add(load(direct, url));
            through.add(load(proxied, url));
          }
          double ours = Stats.of(through).p50();
          double base = Stats.of(plain).p50();
          report.add(
              new Row(
                  ROW + " " + n + " images",
                  "-",
                  "load p50",
                  "ms",
                  ours,
                  base,
                  "the same Chromium, no proxy",
                  true,
                  1.5,
                  Double.NaN));
          notes.put(n + " images: through the proxy, ms", through);
          notes.put(n + " images: no proxy, ms", plain);
        }
      } finally {
        proxied.close();
        direct.close();
      }
    } finally {
      pages.stop();
    }
    notes.put("loads per side", loads);
    report.note(ROW, notes);
  }

  /** A transparent 1×1 GIF. */
  private static final byte[] PIXEL =
      java.util.Base64.getDecoder()
          .decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7");

  /** {@code /heavy?n=N}: a page of N images, each its own {@code /pixel/i.gif}. */
  private static Server pageServer() throws Exception {
    Server server = new Server();
    ServerConnector connector = new ServerConnector(server);
    connector.setHost("127.0.0.1");
    connector.setPort(0);
    server.addConnector(connector);
    server.setHandler(
        new Handler.Abstract() {
          @Override
          public boolean handle(Request request, Response response, Callback callback) {
            String path = request.getHttpURI().getPath();
            if (path.startsWith("/pixel/")) {
              response.getHeaders().put(HttpHeader.CONTENT_TYPE, "image/gif");
              response.write(true, java.nio.ByteBuffer.wrap(PIXEL), callback);
              return true;
            }
            String query = request.getHttpURI().getQuery();
            int n = Integer.parseInt(query == null ? "300" : query.replaceAll("\\D", ""));
            StringBuilder page = new StringBuilder("<html><body>");
            for (int i = 0; i < n; i++) {
              page.append("<img alt='' width='1' height='1' src='/pixel/")
                  .append(i)
                  .append(".gif'>");
            }
            response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/html; charset=utf-8");
            Content.Sink.write(response, true, page.append("</body></html>").toString(), callback);
            return true;
          }
        });
    server.start();
    return server;
  }

  /** One load to the page's {@code load} event in a fresh context, in ms. */
  private static double load(Browser browser, String url) {
    try (BrowserContext context = browser.newContext()) {
      Page page = context.newPage();
      long began = System.nanoTime();
      page.navigate(
          url, new Page.NavigateOptions().setWaitUntil(WaitUntilState.LOAD).setTimeout(120_000));
      return (System.nanoTime() - began) / 1e6;
    }
  }
}
