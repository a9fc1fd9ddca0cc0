package dev.kestrel.activities.egress;

import java.net.InetSocketAddress;
import java.nio.channels.SocketChannel;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpURI;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.proxy.ProxyHandler;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.ConnectHandler;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Promise;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The browser's only way out: a filtering forward proxy, in this process, that every Chromium of
 * the worker is started behind ({@code --proxy-server}). Plain HTTP is forwarded by Jetty's {@link
 * ProxyHandler.Forward}, everything else (HTTPS, WebSockets) is tunnelled by its {@link
 * ConnectHandler}; both connect only to addresses {@link EgressPolicy#decide} resolved and checked,
 * so a redirect, a subresource, a WebSocket or a name that resolves to loopback cannot slip past a
 * check made on the URL alone.
 *
 * <p>Each browser slot gets its own listening port, so a refusal is told to the slot's listener
 * (which hands it to the run's log) without the browser having to say who asked. The listener is
 * called on a proxy thread and must not block.
 */
public final class EgressProxy implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(EgressProxy.class);

  /**
   * Set on every answer the proxy refuses, so that a refused navigation is told from a page's own
   * 403.
   */
  public static final String REFUSED_HEADER = "X-Kestrel-Egress-Refused";

  /**
   * Set when the proxy could not reach an allowed destination (no such name, no answer): why,
   * briefly.
   */
  public static final String ERROR_HEADER = "X-Kestrel-Egress-Error";

  /** Told of each request the policy refused, and of each an upstream proxy failed. */
  public interface Listener {
    void refused(String request, String reason);

    /**
     * The upstream proxy refused or failed a connection; {@code message} names it, never its
     * password.
     */
    default void upstreamFailed(String message) {}
  }

  /**
   * An upstream proxy a slot's traffic goes through once the policy allowed it (SPEC 12). Its
   * password stays in here: {@link #toString} names the proxy only.
   */
  public record Upstream(String name, String host, int port, String username, String password) {
    /** The {@code Proxy-Authorization} value, or null without a username. */
    String authorization() {
      if (username == null) {
        return null;
      }
      String pair = username + ":" + (password == null ? "" : password);
      return "Basic "
          + java.util.Base64.getEncoder()
              .encodeToString(pair.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    @Override
    public String toString() {
      return "proxy '" + name + "' (" + host + ":" + port + ")";
    }
  }

  private final EgressPolicy policy;
  private final Server server;
  private final Map<Connector, Listener> listeners = new ConcurrentHashMap<>();

  /** The upstream proxy of each slot's port that has one, for the run its slot holds now. */
  private final Map<Integer, Upstream> upstreams = new ConcurrentHashMap<>();

  /** Jetty clients that forward plain HTTP through an upstream, one per upstream. */
  private final Map<Upstream, HttpClient> upstreamClients = new ConcurrentHashMap<>();

  public EgressProxy(EgressPolicy policy) {
    this.policy = policy;
    QueuedThreadPool threads = new QueuedThreadPool(200, 4);
    threads.setName("egress-proxy");
    threads.setDaemon(true);
    this.server = new Server(threads);
    ConnectHandler tunnels = new PolicyConnectHandler();
    tunnels.setHandler(new PolicyForwardHandler());
    server.setHandler(tunnels);
    try {
      server.start();
    } catch (Exception e) {
      throw new IllegalStateException("the egress proxy did not start", e);
    }
  }

  /** A port on 127.0.0.1 for one browser; refusals on it go to {@code listener}. */
  public synchronized int open(Listener listener) {
    ServerConnector connector = new ServerConnector(server, 1, 1);
    connector.setHost("127.0.0.1");
    connector.setPort(0);
    server.addConnector(connector);
    try {
      connector.start();
    } catch (Exception e) {
      server.removeConnector(connector);
      throw new IllegalStateException("the egress proxy could not listen", e);
    }
    listeners.put(connector, listener);
    policy.protectPort(connector.getLocalPort());
    return connector.getLocalPort();
  }

  /**
   * Sends what the browser on {@code port} asks for through {@code upstream} (null: straight to the
   * destination) once the policy allowed it; set as each session opens.
   */
  public void route(int port, Upstream upstream) {
    if (upstream == null) {
      upstreams.remove(port);
    } else {
      upstreams.put(port, upstream);
    }
  }

  private Upstream upstreamOf(Request request) {
    return request.getConnectionMetaData().getConnector() instanceof ServerConnector connector
        ? upstreams.get(connector.getLocalPort())
        : null;
  }

  private void upstreamFailed(Request request, String message) {
    Listener listener = listeners.get(request.getConnectionMetaData().getConnector());
    if (listener != null) {
      listener.upstreamFailed(message);
    }
    LOG.debug("Upstream failed: {}", message);
  }

  private void refused(Request request, String what, String reason) {
    Listener listener = listeners.get(request.getConnectionMetaData().getConnector());
    if (listener != null) {
      listener.refused(what, reason);
    }
    LOG.debug("Refused {}: {}", what, reason);
  }

  /**
   * Answers 403 with the reason, in the body and in the marker header, and closes the connection.
   */
  private static void refuse(Response response, Callback callback, String reason) {
    answer(response, callback, 403, REFUSED_HEADER, reason, "Refused by Kestrel's egress policy: ");
  }

  private static void answer(
      Response response,
      Callback callback,
      int status,
      String header,
      String reason,
      String prefix) {
    response.setStatus(status);
    response.getHeaders().put(header, headerSafe(reason));
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/plain; charset=utf-8");
    response.getHeaders().put(HttpHeader.CONNECTION, "close");
    Content.Sink.write(response, true, prefix + reason + "\n", callback);
  }

  /**
   * Printable ASCII only: a header value must not carry what a page chose to put in a host name.
   */
  private static String headerSafe(String s) {
    String ascii = s.replaceAll("[^\\x20-\\x7e]", "?");
    return ascii.length() > 300 ? ascii.substring(0, 300) : ascii;
  }

  @Override
  public void close() {
    for (HttpClient client : upstreamClients.values()) {
      try {
        client.stop();
      } catch (Exception e) {
        LOG.debug("An upstream client did not stop cleanly", e);
      }
    }
    try {
      server.stop();
    } catch (Exception e) {
      LOG.warn("The egress proxy did not stop cleanly", e);
    }
  }

  /**
   * CONNECT tunnels (HTTPS, WebSockets): the policy resolves; the tunnel goes to the address it
   * checked.
   */
  private final class PolicyConnectHandler extends ConnectHandler {
    @Override
    protected void connectToServer(
        Request request, String host, int port, Promise<SocketChannel> promise) {
      EgressPolicy.Decision decision = policy.decide(host, port);
      if (decision.unresolved()) {
        // A failed tunnel, as without a proxy; not a refusal to log or to fail as egress_refused.
        promise.failed(new java.net.UnknownHostException(decision.refusal()));
        return;
      }
      if (decision.refused()) {
        refused(request, "CONNECT " + host + ":" + port, decision.refusal());
        promise.failed(new EgressRefusedException(decision.refusal()));
        return;
      }
      Upstream upstream = upstreamOf(request);
      if (upstream != null) {
        try {
          promise.succeeded(tunnelThrough(upstream, host, port));
        } catch (UpstreamFailedException e) {
          upstreamFailed(request, e.getMessage());
          promise.failed(e);
        }
        return;
      }
      SocketChannel channel = null;
      try {
        channel = SocketChannel.open();
        channel.socket().setTcpNoDelay(true);
        channel.configureBlocking(false);
        channel.connect(new InetSocketAddress(decision.addresses().get(0), port));
        promise.succeeded(channel);
      } catch (Throwable x) {
        closeQuietly(channel);
        promise.failed(x);
      }
    }

    @Override
    protected void onConnectFailure(
        Request request, Response response, Callback callback, Throwable failure) {
      if (failure instanceof EgressRefusedException) {
        refuse(response, callback, failure.getMessage());
      } else if (failure instanceof UpstreamFailedException) {
        answer(response, callback, 502, ERROR_HEADER, failure.getMessage(), "");
      } else {
        super.onConnectFailure(request, response, callback, failure);
      }
    }
  }

  /** Plain HTTP in absolute form; anything else (a request for the proxy itself) is refused. */
  private final class PolicyForwardHandler extends ProxyHandler.Forward {
    @Override
    public boolean handle(Request request, Response response, Callback callback) {
      HttpURI uri = request.getHttpURI();
      if (uri.getHost() == null || !"http".equalsIgnoreCase(uri.getScheme())) {
        refuse(response, callback, "not a proxy request");
        return true;
      }
      int port = uri.getPort() < 0 ? 80 : uri.getPort();
      EgressPolicy.Decision decision = policy.decide(uri.getHost(), port);
      if (decision.unresolved()) {
        answer(response, callback, 502, ERROR_HEADER, decision.refusal(), "");
        return true;
      }
      if (decision.refused()) {
        refused(request, request.getMethod() + " " + uri.asString(), decision.refusal());
        refuse(response, callback, decision.refusal());
        return true;
      }
      return super.handle(request, response, callback);
    }

    /** Plain HTTP of a slot with an upstream goes through that upstream's client. */
    @Override
    protected org.eclipse.jetty.client.Request newProxyToServerRequest(
        Request clientToProxyRequest, HttpURI newHttpURI) {
      Upstream upstream = upstreamOf(clientToProxyRequest);
      if (upstream == null) {
        return super.newProxyToServerRequest(clientToProxyRequest, newHttpURI);
      }
      return upstreamClients
          .computeIfAbsent(upstream, this::clientThrough)
          .newRequest(newHttpURI.toURI())
          .method(clientToProxyRequest.getMethod())
          .version(
              org.eclipse.jetty.http.HttpVersion.fromString(
                  clientToProxyRequest.getConnectionMetaData().getProtocol()))
          .onResponseBegin(
              r -> {
                if (r.getStatus() == 407) {
                  upstreamFailed(
                      clientToProxyRequest, upstream + " refused its credentials (HTTP 407)");
                }
              });
    }

    /**
     * A client like this handler's own, whose every request goes to the upstream (its address
     * checked as an upstream's) with the upstream's credentials.
     */
    private HttpClient clientThrough(Upstream upstream) {
      HttpClient client = new HttpClient();
      super.configureHttpClient(client);
      client.setSocketAddressResolver(
          (host, port, context, promise) -> {
            EgressPolicy.Decision decision = policy.decideUpstream(host, port);
            if (decision.refused() || decision.unresolved()) {
              promise.failed(
                  new UpstreamFailedException(upstream + " is refused: " + decision.refusal()));
            } else {
              promise.succeeded(
                  decision.addresses().stream().map(a -> new InetSocketAddress(a, port)).toList());
            }
          });
      client
          .getProxyConfiguration()
          .addProxy(
              new org.eclipse.jetty.client.HttpProxy(
                  new org.eclipse.jetty.client.Origin.Address(upstream.host(), upstream.port()),
                  false));
      String authorization = upstream.authorization();
      if (authorization != null) {
        client
            .getRequestListeners()
            .addBeginListener(
                r -> r.headers(h -> h.put(HttpHeader.PROXY_AUTHORIZATION, authorization)));
      }
      try {
        client.start();
      } catch (Exception e) {
        throw new IllegalStateException("a client of " + upstream + " did not start", e);
      }
      // An upstream's 407 goes back as it is (and is told to the run): the worker has no other
      // credentials to try.
      client
          .getProtocolHandlers()
          .remove(org.eclipse.jetty.client.ProxyAuthenticationProtocolHandler.NAME);
      return client;
    }

    /**
     * Says why in a header, so a navigation that reached nothing fails as it would without a proxy.
     */
    @Override
    protected void onServerToProxyResponseFailure(
        Request clientToProxyRequest,
        org.eclipse.jetty.client.Request proxyToServerRequest,
        org.eclipse.jetty.client.Response serverToProxyResponse,
        Response proxyToClientResponse,
        Callback proxyToClientCallback,
        Throwable failure) {
      Upstream upstream = upstreamOf(clientToProxyRequest);
      String why =
          upstream == null || failure instanceof UpstreamFailedException
              ? describe(failure)
              : upstream + " failed the request: " + describe(failure);
      if (upstream != null) {
        upstreamFailed(clientToProxyRequest, why);
      }
      if (!proxyToClientResponse.isCommitted()) {
        proxyToClientResponse.getHeaders().put(ERROR_HEADER, headerSafe(why));
      }
      super.onServerToProxyResponseFailure(
          clientToProxyRequest,
          proxyToServerRequest,
          serverToProxyResponse,
          proxyToClientResponse,
          proxyToClientCallback,
          failure);
    }

    /**
     * No Via or Forwarded headers: the sites a task visits learn nothing about the worker behind
     * it.
     */
    @Override
    protected void addProxyHeaders(
        Request clientToProxyRequest, org.eclipse.jetty.client.Request proxyToServerRequest) {
      // Deliberately nothing.
    }

    /** A destination cannot speak for the proxy: its own X-Kestrel-Egress-* headers are dropped. */
    @Override
    protected org.eclipse.jetty.http.HttpField filterServerToProxyResponseField(
        org.eclipse.jetty.http.HttpField field) {
      String name = field.getName();
      return name != null && name.regionMatches(true, 0, "X-Kestrel-Egress", 0, 16)
          ? null
          : super.filterServerToProxyResponseField(field);
    }

    /** The client resolves through the policy too, so the connection goes where the check said. */
    @Override
    protected void configureHttpClient(HttpClient client) {
      super.configureHttpClient(client);
      client.setSocketAddressResolver(new PolicyResolver(policy));
    }
  }

  /** How long an upstream may take to connect and to answer a CONNECT. */
  private static final int UPSTREAM_TIMEOUT_MS = 15_000;

  /**
   * A tunnel to {@code host:port} through the upstream: connected to the upstream's checked
   * address, CONNECT sent with its credentials, its answer read up to the end of its headers (so
   * nothing of the tunnel's own bytes is taken), then handed to Jetty as a non-blocking channel.
   */
  private SocketChannel tunnelThrough(Upstream upstream, String host, int port)
      throws UpstreamFailedException {
    EgressPolicy.Decision decision = policy.decideUpstream(upstream.host(), upstream.port());
    if (decision.refused() || decision.unresolved()) {
      throw new UpstreamFailedException(upstream + " is refused: " + decision.refusal());
    }
    SocketChannel channel = null;
    try {
      channel = SocketChannel.open();
      channel.socket().setTcpNoDelay(true);
      channel
          .socket()
          .connect(
              new InetSocketAddress(decision.addresses().get(0), upstream.port()),
              UPSTREAM_TIMEOUT_MS);
      channel.socket().setSoTimeout(UPSTREAM_TIMEOUT_MS);
      String target = (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
      StringBuilder connect =
          new StringBuilder("CONNECT ")
              .append(target)
              .append(" HTTP/1.1\r\nHost: ")
              .append(target)
              .append("\r\n");
      if (upstream.authorization() != null) {
        connect.append("Proxy-Authorization: ").append(upstream.authorization()).append("\r\n");
      }
      connect.append("\r\n");
      java.io.OutputStream out = channel.socket().getOutputStream();
      out.write(connect.toString().getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
      out.flush();
      String status = readHead(channel.socket().getInputStream());
      String[] parts = status.split(" ", 3);
      if (parts.length < 2 || !parts[1].equals("200")) {
        throw new UpstreamFailedException(
            upstream
                + " answered "
                + headerSafe(status.length() > 100 ? status.substring(0, 100) : status));
      }
      channel.socket().setSoTimeout(0);
      channel.configureBlocking(false);
      return channel;
    } catch (UpstreamFailedException e) {
      closeQuietly(channel);
      throw e;
    } catch (java.io.IOException e) {
      closeQuietly(channel);
      throw new UpstreamFailedException(upstream + " could not be reached: " + describe(e));
    }
  }

  /** The status line of an answer, its headers read to their end (8 KiB at most) and dropped. */
  private static String readHead(java.io.InputStream in) throws java.io.IOException {
    StringBuilder head = new StringBuilder();
    int matched = 0;
    while (matched < 4) {
      int b = in.read();
      if (b < 0) {
        throw new java.io.EOFException("the upstream closed the connection");
      }
      head.append((char) b);
      if (head.length() > 8192) {
        throw new java.io.IOException("the upstream's answer is too long");
      }
      matched =
          (b == '\r' && matched % 2 == 0) || (b == '\n' && matched % 2 == 1)
              ? matched + 1
              : b == '\r' ? 1 : 0;
    }
    int end = head.indexOf("\r\n");
    return head.substring(0, end < 0 ? head.length() : end);
  }

  /** An upstream proxy refused, failed or could not be reached; the message names it only. */
  static final class UpstreamFailedException extends java.io.IOException {
    UpstreamFailedException(String message) {
      super(message, null);
    }
  }

  private static String describe(Throwable failure) {
    if (failure instanceof java.util.concurrent.TimeoutException) {
      return "no answer in time";
    }
    if (failure instanceof java.net.ConnectException) {
      return "connection refused or unreachable";
    }
    if (failure instanceof java.net.UnknownHostException) {
      return failure.getMessage();
    }
    return failure instanceof EgressRefusedException || failure instanceof UpstreamFailedException
        ? failure.getMessage()
        : failure instanceof java.net.SocketTimeoutException
            ? "no answer in time"
            : "the connection failed";
  }

  private static void closeQuietly(SocketChannel channel) {
    try {
      if (channel != null) {
        channel.close();
      }
    } catch (Exception ignored) {
      // Nothing was connected.
    }
  }
}
