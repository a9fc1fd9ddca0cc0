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

  /** Told of each request the policy refused. */
  public interface Listener {
    void refused(String request, String reason);
  }

  private final EgressPolicy policy;
  private final Server server;
  private final Map<Connector, Listener> listeners = new ConcurrentHashMap<>();

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
      if (!proxyToClientResponse.isCommitted()) {
        proxyToClientResponse.getHeaders().put(ERROR_HEADER, headerSafe(describe(failure)));
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
    return failure instanceof EgressRefusedException
        ? failure.getMessage()
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
