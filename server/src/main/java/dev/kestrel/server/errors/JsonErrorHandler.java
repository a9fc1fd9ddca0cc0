package dev.kestrel.server.errors;

import java.nio.charset.StandardCharsets;
import java.util.Locale;
import org.eclipse.jetty.http.HttpException;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;

/**
 * Jetty's own errors (a request it could not parse: bad request line, bad chunking, headers too
 * large, an unknown HTTP version) in the API's shape, {@code {"detail": "bad_request"}}, instead of
 * Jetty's HTML page; nothing about the server's internals is in it.
 */
public final class JsonErrorHandler extends ErrorHandler {
  @Override
  public boolean handle(Request request, Response response, Callback callback) {
    int status = response.getStatus();
    if (request.getAttribute(ERROR_EXCEPTION) instanceof HttpException http) {
      status = http.getCode();
      response.setStatus(status);
    }
    if (status < 400) {
      status = 500;
      response.setStatus(status);
    }
    String reason = HttpStatus.getMessage(status);
    String code =
        status == 500 || reason == null
            ? "internal_error"
            : reason.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "_");
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
    response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
    byte[] body = ("{\"detail\":\"" + code + "\"}").getBytes(StandardCharsets.UTF_8);
    response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
    response.write(true, java.nio.ByteBuffer.wrap(body), callback);
    return true;
  }
}
