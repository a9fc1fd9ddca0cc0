package dev.kestrel.server.resources;

import dev.kestrel.server.errors.ErrorMappers;
import jakarta.annotation.Priority;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.container.PreMatching;
import jakarta.ws.rs.core.HttpHeaders;
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
  public void filter(ContainerRequestContext request) {
    // Read as a long: a declared terabyte is too large, not an integer overflow.
    String declared = request.getHeaderString(HttpHeaders.CONTENT_LENGTH);
    if (declared != null) {
      long length;
      try {
        length = Long.parseLong(declared.trim());
      } catch (NumberFormatException e) {
        request.abortWith(ErrorMappers.json(400, "invalid_content_length"));
        return;
      }
      if (length > maxBytes) {
        request.abortWith(ErrorMappers.json(413, "request_too_large"));
        return;
      }
    }
    byte[] body;
    try {
      if (!request.hasEntity()) {
        return;
      }
      InputStream in = request.getEntityStream();
      body = in.readNBytes(maxBytes + 1);
    } catch (IOException | RuntimeException e) {
      // A body cut short, badly chunked, or not in its declared encoding (gzip): the client's fault.
      request.abortWith(ErrorMappers.json(400, "invalid_body"));
      return;
    }
    if (body.length > maxBytes) {
      request.abortWith(ErrorMappers.json(413, "request_too_large"));
      return;
    }
    request.setEntityStream(new ByteArrayInputStream(body));
  }
}
