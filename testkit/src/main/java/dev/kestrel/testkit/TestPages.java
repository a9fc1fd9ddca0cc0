package dev.kestrel.testkit;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Pages the tests drive Chromium through, served on 127.0.0.1, with a record of every path
 * requested (to prove, say, that a cancelled run never reached its next page).
 *
 * <ul>
 *   <li>{@code /order}: a form; submitting shows {@code #status} = "Shipped: &lt;order&gt;" after
 *       {@code ?delayMs=} milliseconds (default 0)
 *   <li>{@code /site?latencyMs=N}: the same form as a real site serves it, with 20 subresources,
 *       each (and the document) answered after N milliseconds (default 50)
 *   <li>{@code /slow?ms=N}: answers after N milliseconds
 *   <li>{@code /busy}: loads, then never gives its main thread back (a script in an endless loop)
 *   <li>{@code /ticker?n=N&everyMs=M}: logs {@code tick <epoch ms>} to the console N times, M ms
 *       apart
 *   <li>anything else: a small page naming its path
 * </ul>
 */
public final class TestPages implements BeforeAllCallback, AfterAllCallback {
  private HttpServer server;
  private final List<String> requested = new CopyOnWriteArrayList<>();

  @Override
  public void beforeAll(ExtensionContext context) throws IOException {
    start();
  }

  @Override
  public void afterAll(ExtensionContext context) {
    stop();
  }

  public void start() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.setExecutor(Executors.newCachedThreadPool());
    server.createContext("/", this::handle);
    server.start();
  }

  public void stop() {
    if (server != null) {
      server.stop(0);
    }
  }

  public String url(String pathAndQuery) {
    return "http://127.0.0.1:" + server.getAddress().getPort() + pathAndQuery;
  }

  /** Session cookies issued by {@code /login}. */
  private final java.util.Set<String> sessions = java.util.concurrent.ConcurrentHashMap.newKeySet();

  /** The session cookies {@code /login} issued, to look for where they must not be. */
  /** What {@code /two-factor} pages sent to {@code /verify}: {@code <nonce>:<code>}, in order. */
  public java.util.List<String> verifications() {
    return java.util.List.copyOf(verifications);
  }

  /** The file {@code /export} offers for download. */
  public static final String EXPORT_CSV = "sku,price\nA-1,9.99\nB-2,19.50\n";

  /** A file {@code /upload}'s page sent to {@code /received}: its name and bytes. */
  public record Received(String name, byte[] content) {}

  /** What {@code /upload}'s page sent, in order. */
  public java.util.List<Received> received() {
    return java.util.List.copyOf(received);
  }

  private final java.util.List<Received> received =
      new java.util.concurrent.CopyOnWriteArrayList<>();

  /** What the form in {@code /framed}'s iframe sent, in order. */
  public java.util.List<String> frameSent() {
    return java.util.List.copyOf(frameSent);
  }

  private final java.util.List<String> frameSent =
      new java.util.concurrent.CopyOnWriteArrayList<>();

  private final Map<String, Integer> flaky = new java.util.concurrent.ConcurrentHashMap<>();

  private final java.util.List<String> verifications =
      new java.util.concurrent.CopyOnWriteArrayList<>();

  public java.util.Set<String> issuedSessions() {
    return java.util.Set.copyOf(issued);
  }

  /** Every login made so far expires: {@code /account} no longer knows its cookie. */
  public void expireSessions() {
    sessions.clear();
  }

  /** Every session cookie {@code /login} ever issued, expired or not. */
  private final java.util.Set<String> issued = java.util.concurrent.ConcurrentHashMap.newKeySet();

  /** How many times a path (without query) was requested. */
  public long hits(String path) {
    return requested.stream().filter(path::equals).count();
  }

  private void handle(HttpExchange exchange) throws IOException {
    URI uri = exchange.getRequestURI();
    requested.add(uri.getPath());
    Map<String, String> query = query(uri);
    String body;
    int status = 200;
    String contentType = "text/html; charset=utf-8";
    switch (uri.getPath()) {
      case "/order" ->
          body = orderPage(Integer.parseInt(query.getOrDefault("delayMs", "0")), "", "");
      case "/site" -> {
        // The order form as a real site serves it: the document and 20 subresources (4
        // stylesheets, 12 images, 4 scripts), each after latencyMs milliseconds.
        int latency = Integer.parseInt(query.getOrDefault("latencyMs", "50"));
        sleep(latency);
        StringBuilder head = new StringBuilder();
        StringBuilder tail = new StringBuilder();
        for (int i = 0; i < 4; i++) {
          head.append("<link rel='stylesheet' href='/asset/").append(i).append(".css?ms=");
          head.append(latency).append("'>");
          tail.append("<script src='/asset/").append(i).append(".js?ms=").append(latency);
          tail.append("'></script>");
        }
        for (int i = 0; i < 12; i++) {
          tail.append("<img alt='' src='/asset/").append(i).append(".svg?ms=").append(latency);
          tail.append("'>");
        }
        body = orderPage(0, head.toString(), tail.toString());
      }
      case "/ticker" -> {
        // Console entries stamped with the page's clock, to time how soon a log entry is readable.
        int count = Integer.parseInt(query.getOrDefault("n", "20"));
        int every = Integer.parseInt(query.getOrDefault("everyMs", "100"));
        body =
            "<html><body><p id='ticks'>0</p><script>let i = 0; const t = setInterval(() => {"
                + " console.log('tick ' + Date.now()); document.getElementById('ticks').textContent = ++i;"
                + " if (i >= "
                + count
                + ") clearInterval(t); }, "
                + every
                + ");</script></body></html>";
      }
      case "/busy" ->
          body =
              "<html><body><p id='status'>busy</p><script>setTimeout(() => { for (;;) {} }, 50);"
                  + "</script></body></html>";
      case "/slow" -> {
        sleep(Long.parseLong(query.getOrDefault("ms", "1000")));
        body = "<html><body><p id='slow'>slow page</p></body></html>";
      }
      case "/form" ->
          // A form that places an order: its POST is counted (hits("/submit")), then redirected.
          body =
              "<html><body><form method='post' action='/submit'><input id='name' name='name'>"
                  + "<button type='submit' id='place'>Place order</button></form></body></html>";
      case "/submit" -> {
        exchange.getRequestBody().readAllBytes();
        exchange.getResponseHeaders().add("Location", "/confirmation");
        status = 303;
        body = "";
      }
      case "/confirmation" -> body = "<html><body><p id='placed'>Order placed</p></body></html>";
      case "/big-storage" ->
          // A page that keeps 100 KB in localStorage: a browser state over a small checkpoint cap.
          body =
              "<html><body><p id='big'>big</p><script>localStorage.setItem('big', 'x'.repeat(100000));"
                  + "</script></body></html>";
      case "/cart" ->
          // A cart kept in localStorage; each add is told to the server (/added), which counts it.
          body =
              "<html><body><p id='count'></p><button id='add'>Add</button><input id='note'>"
                  + "<script>function show() { document.getElementById('count').textContent ="
                  + " localStorage.getItem('items') || '0'; }"
                  + " document.getElementById('add').onclick = () => { localStorage.setItem('items',"
                  + " String(Number(localStorage.getItem('items') || '0') + 1)); fetch('/added'); show(); };"
                  + " show();</script></body></html>";
      case "/login" -> {
        // A login: a session cookie, and state the page keeps in localStorage and sessionStorage.
        String sid = java.util.UUID.randomUUID().toString();
        sessions.add(sid);
        issued.add(sid);
        exchange.getResponseHeaders().add("Set-Cookie", "sid=" + sid + "; Path=/; HttpOnly");
        body =
            "<html><body><p id='who'>logged in</p><script>localStorage.setItem('cart', '2 items');"
                + " sessionStorage.setItem('draft', 'hello');</script></body></html>";
      }
      case "/account" -> {
        // The account's name only with a session cookie this server issued.
        String cookies =
            String.join(
                ";", exchange.getRequestHeaders().getOrDefault("Cookie", java.util.List.of()));
        boolean known = sessions.stream().anyMatch(sid -> cookies.contains("sid=" + sid));
        body =
            "<html><body><p id='name'>"
                + (known ? "Ada" : "anonymous")
                + "</p><p id='cart'></p><p id='draft'></p>"
                + "<script>document.getElementById('cart').textContent = localStorage.getItem('cart');"
                + " document.getElementById('draft').textContent = sessionStorage.getItem('draft');</script></body></html>";
      }
      case "/two-factor" ->
          // A sign-in that asks for a one-time code after the password, on the same page load: the
          // page makes a nonce as it loads and sends the code with it (/verify records the pair).
          body =
              "<html><body><form id='login'><input id='user'><input id='password' type='password'>"
                  + "<button id='signin'>Sign in</button></form>"
                  + "<div id='otp' hidden><p>Enter the code we sent you</p><input id='code'"
                  + " type='password'><button id='verify'>Verify</button></div>"
                  + "<p id='nonce'></p><p id='result'></p><script>"
                  + "const nonce = String(Math.random()).slice(2);"
                  + " document.getElementById('nonce').textContent = nonce;"
                  + " document.getElementById('signin').onclick = e => { e.preventDefault();"
                  + " document.getElementById('login').hidden = true;"
                  + " document.getElementById('otp').hidden = false; };"
                  + " document.getElementById('verify').onclick = async () => {"
                  + " const r = await fetch('/verify', {method: 'POST', body: nonce + ':'"
                  + " + document.getElementById('code').value});"
                  + " document.getElementById('result').textContent = await r.text(); };"
                  + "</script></body></html>";
      case "/verify" -> {
        verifications.add(
            new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
        body = "verified";
        contentType = "text/plain";
      }
      case "/banner" ->
          // A cookie banner that shows only with ?show=1; closing it is told to /banner-closed.
          body =
              "<html><body>"
                  + ("1".equals(query.get("show"))
                      ? "<div id='banner'><button id='accept' onclick=\"fetch('/banner-closed');"
                          + " document.getElementById('banner').remove()\">OK</button></div>"
                      : "")
                  + "<p id='content'>content</p></body></html>";
      case "/flaky" -> {
        // Answers 500 to the first two requests of each ?key=, then the page.
        int seen = flaky.merge(query.getOrDefault("key", ""), 1, Integer::sum);
        status = seen <= 2 ? 500 : 200;
        body =
            status == 500
                ? "<html><body>try again</body></html>"
                : "<html><body><p id='ok'>ok after " + seen + "</p></body></html>";
      }
      case "/endless" ->
          // A list that loads 20 more items whenever it is scrolled to its end.
          body =
              "<html><body><ul id='list'></ul><script>let n = 0; function more() {"
                  + " const list = document.getElementById('list');"
                  + " for (let i = 0; i < 20; i++) { const li = document.createElement('li');"
                  + " li.id = 'item-' + (++n); li.style.height = '60px'; li.textContent = 'item ' + n;"
                  + " list.appendChild(li); } } more(); window.addEventListener('scroll', () => {"
                  + " if (window.innerHeight + window.scrollY >= document.body.scrollHeight - 10)"
                  + " more(); });</script></body></html>";
      case "/framed" ->
          // A form inside an iframe (a payment field, say); sending it is told to /frame-sent.
          body =
              "<html><body><p>Outer page</p><iframe id='pay' src='/frame-inner'></iframe>"
                  + "</body></html>";
      case "/frame-inner" ->
          body =
              "<html><body><input id='card'><button id='send' onclick=\"fetch('/frame-sent?card='"
                  + " + encodeURIComponent(document.getElementById('card').value))\">Pay</button>"
                  + "</body></html>";
      case "/frame-sent" -> {
        frameSent.add(query.getOrDefault("card", ""));
        body = "ok";
        contentType = "text/plain";
      }
      case "/catalogue" -> {
        // Page ?p= of a catalogue of 2 pages of 3 products each, linking to their details.
        int page = Integer.parseInt(query.getOrDefault("p", "1"));
        StringBuilder items = new StringBuilder("<html><body><ul>");
        for (int i = 1; i <= 3; i++) {
          int n = (page - 1) * 3 + i;
          items.append("<li class='product'><h2>Product ").append(n).append("</h2>");
          items.append("<span class='price'>").append(n).append(".99</span>");
          items.append("<a href='/details/").append(n).append("'>more</a></li>");
        }
        body = items.append("</ul></body></html>").toString();
      }
      case "/shop/page/1", "/shop/page/2", "/shop/page/3" -> {
        // A shop of 3 pages of 5 products, each page linking to the next and each product to its
        // details page.
        int page = Integer.parseInt(uri.getPath().substring("/shop/page/".length()));
        StringBuilder items = new StringBuilder("<html><body><ul>");
        for (int i = 1; i <= 5; i++) {
          int n = (page - 1) * 5 + i;
          items.append("<li class='product'><h2>Item ").append(n).append("</h2>");
          items.append("<span class='price'>").append(n * 10).append(".00</span>");
          items.append("<a href='/shop/item/").append(n).append("'>details</a></li>");
        }
        items.append("</ul>");
        if (page < 3) {
          items.append("<a class='next' href='/shop/page/").append(page + 1).append("'>next</a>");
        }
        body = items.append("</body></html>").toString();
      }
      case "/opener" ->
          body = "<html><body><a id='open' href='/tab' target='_blank'>Details</a></body></html>";
      case "/tab" -> body = "<html><body><p id='value'>from the tab</p></body></html>";
      case "/export" ->
          body = "<html><body><a id='csv' href='/export.csv' download>Export</a></body></html>";
      case "/export.csv" -> {
        body = EXPORT_CSV;
        contentType = "text/csv";
      }
      case "/upload" ->
          // A file field styled out of sight, as pickers often are; sending posts the file as it
          // is.
          body =
              "<html><body><input type='file' id='file' style='display:none'>"
                  + "<button id='send' onclick=\"const f = document.getElementById('file').files[0];"
                  + " fetch('/received', {method: 'POST', headers: {'X-File-Name': f.name}, body: f})"
                  + ".then(r => r.text()).then(t => document.getElementById('status').textContent"
                  + " = t)\">Send</button><p id='status'></p></body></html>";
      case "/received" -> {
        byte[] content = exchange.getRequestBody().readAllBytes();
        String name = exchange.getRequestHeaders().getFirst("X-File-Name");
        received.add(new Received(name, content));
        body = "received " + name + " (" + content.length + " bytes)";
        contentType = "text/plain";
      }
      case "/broken-image" ->
          // A page whose own subresource is missing, as a page without a favicon is.
          body = "<html><body><p id='ok'>fine</p><img src='/missing/picture.png'></body></html>";
      default -> {
        if (uri.getPath().startsWith("/asset/")) {
          sleep(Long.parseLong(query.getOrDefault("ms", "0")));
          String name = uri.getPath();
          contentType =
              name.endsWith(".css")
                  ? "text/css"
                  : name.endsWith(".js") ? "text/javascript" : "image/svg+xml";
          body =
              name.endsWith(".svg")
                  ? "<svg xmlns='http://www.w3.org/2000/svg' width='1' height='1'/>"
                  : "/* " + name + " */";
        } else if (uri.getPath().startsWith("/shop/item/")) {
          String n = uri.getPath().substring("/shop/item/".length());
          body = "<html><body><h1>Item " + n + "</h1><p id='sku'>SKU-" + n + "</p></body></html>";
        } else if (uri.getPath().startsWith("/missing/")) {
          status = 404;
          body = "not here";
        } else {
          body = "<html><body><p id='path'>" + uri.getPath() + "</p></body></html>";
        }
      }
    }
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().add("Content-Type", contentType);
    try {
      exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(bytes);
      }
    } catch (IOException clientWentAway) {
      // A cancelled navigation closes its connection; nothing to answer.
    }
  }

  /**
   * A form; submitting shows {@code #status} after {@code delay} ms. {@code head} and {@code tail}
   * go into its head and the end of its body.
   */
  private static String orderPage(int delay, String head, String tail) {
    return "<html><head>"
        + head
        + "</head><body><form id='f'><input id='order' name='order'>"
        + "<select id='carrier'><option value='ups'>UPS</option><option value='dhl'>DHL</option></select>"
        + "<label><input type='checkbox' id='gift'>gift</label>"
        + "<button type='submit'>Look up</button></form>"
        + "<div id='status' style='display:none'></div><ul><li class='item'>a</li><li class='item'>b</li></ul>"
        + "<script>document.getElementById('f').addEventListener('submit', e => { e.preventDefault();"
        + " console.log('looking up ' + document.getElementById('order').value);"
        + " setTimeout(() => { const s = document.getElementById('status'); s.style.display = 'block';"
        + " s.textContent = 'Shipped: ' + document.getElementById('order').value; }, "
        + delay
        + "); });"
        + "</script>"
        + tail
        + "</body></html>";
  }

  private static Map<String, String> query(URI uri) {
    Map<String, String> params = new ConcurrentHashMap<>();
    if (uri.getQuery() != null) {
      for (String pair : uri.getQuery().split("&")) {
        String[] kv = pair.split("=", 2);
        params.put(kv[0], kv.length > 1 ? kv[1] : "");
      }
    }
    return params;
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
