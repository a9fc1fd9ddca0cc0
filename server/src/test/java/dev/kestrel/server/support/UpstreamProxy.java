package dev.kestrel.server.support;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.proxy.ProxyHandler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.ConnectHandler;
import org.eclipse.jetty.util.Callback;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * An upstream HTTP proxy on 127.0.0.1, as a company's or a proxy vendor's: it forwards plain HTTP
 * and tunnels CONNECT, only with {@code Proxy-Authorization} for its user and password (else 407),
 * and records what it was asked for.
 */
public final class UpstreamProxy implements BeforeAllCallback, AfterAllCallback {
  public static final String USER = "crawler";
  public static final String PASSWORD = "pr0xy-s3cret-passw0rd";

  private final List<String> seen = new CopyOnWriteArrayList<>();
  private final List<String> refused = new CopyOnWriteArrayList<>();
  private Server server;

  @Override
  public void beforeAll(ExtensionContext context) throws Exception {
    server = new Server();
    ServerConnector connector = new ServerConnector(server);
    connector.setHost("127.0.0.1");
    connector.setPort(0);
    server.addConnector(connector);
    ConnectHandler tunnels =
        new ConnectHandler() {
          @Override
          protected void handleConnect(
              Request request, Response response, Callback callback, String serverAddress) {
            if (!authorized(request)) {
              refused.add("CONNECT " + serverAddress);
              response.setStatus(407);
              response.getHeaders().put(HttpHeader.PROXY_AUTHENTICATE, "Basic realm=\"upstream\"");
              callback.succeeded();
              return;
            }
            seen.add("CONNECT " + serverAddress);
            super.handleConnect(request, response, callback, serverAddress);
          }
        };
    tunnels.setHandler(
        new ProxyHandler.Forward() {
          @Override
          public boolean handle(Request request, Response response, Callback callback) {
            if (!authorized(request)) {
              refused.add(request.getMethod() + " " + request.getHttpURI().asString());
              response.setStatus(407);
              response.getHeaders().put(HttpHeader.PROXY_AUTHENTICATE, "Basic realm=\"upstream\"");
              callback.succeeded();
              return true;
            }
            seen.add(request.getMethod() + " " + request.getHttpURI().asString());
            return super.handle(request, response, callback);
          }
        });
    server.setHandler(tunnels);
    server.start();
  }

  private static boolean authorized(Request request) {
    String expected =
        "Basic "
            + Base64.getEncoder()
                .encodeToString((USER + ":" + PASSWORD).getBytes(StandardCharsets.UTF_8));
    return expected.equals(request.getHeaders().get(HttpHeader.PROXY_AUTHORIZATION));
  }

  @Override
  public void afterAll(ExtensionContext context) throws Exception {
    server.stop();
  }

  public int port() {
    return ((ServerConnector) server.getConnectors()[0]).getLocalPort();
  }

  /** What it forwarded or tunnelled: {@code GET http://…} or {@code CONNECT host:port}. */
  public List<String> seen() {
    return List.copyOf(seen);
  }

  /** What it refused for want of the right credentials. */
  public List<String> refused() {
    return List.copyOf(refused);
  }
}
