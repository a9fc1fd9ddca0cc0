package dev.kestrel.server.resources;

import dev.kestrel.server.errors.ErrorMappers;
import jakarta.annotation.Priority;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.container.PreMatching;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;

/** Bodies over the limit are refused with 413 before anything reads them, declared length or not. */
@PreMatching
@Priority(1)
public class RequestSizeFilter implements ContainerRequestFilter {
  private final int maxBytes;

  public RequestSizeFilter(int maxBytes) {
    this.maxBytes = maxBytes;
  }

  @Override
  public void filter(ContainerRequestContext request) throws IOException {
    if (request.getLength() > maxBytes) {
      request.abortWith(ErrorMappers.json(413, "request_too_large"));
      return;
    }
    if (!request.hasEntity()) {
      return;
    }
    InputStream in = request.getEntityStream();
    byte[] body = in.readNBytes(maxBytes + 1);
    if (body.length > maxBytes) {
      request.abortWith(ErrorMappers.json(413, "request_too_large"));
      return;
    }
    request.setEntityStream(new ByteArrayInputStream(body));
  }
}
