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
import java.util.regex.Pattern;

/**
 * Bodies over the limit are refused with 413 before anything parses them, declared length or not.
 * Requests that may carry an upload step's file (saving a task, queueing or retrying a run: SPEC
 * 11) or a profile's state (SPEC 12) have a limit of their own, larger by the file's base64 text.
 */
@PreMatching
@Priority(1)
public class RequestSizeFilter implements ContainerRequestFilter {
  /**
   * A body over the limit by up to this much is read to its end (and dropped) before the 413: a
   * connection closed on unread bytes is reset, and a client still sending would see the reset
   * instead of the answer. Beyond it the connection is closed on the client, whatever it sees.
   */
  static final long DRAIN_BYTES = 16L * 1024 * 1024;

  /**
   * POST or PUT of a task, POST of a task's run or of a run's retry; PUT of a profile's state (up
   * to {@code profiles.maxStateBytes}, held to it there).
   */
  private static final Pattern CARRIES_FILES =
      Pattern.compile(
          "/?public/v1/(tasks(/[^/]+(/runs)?)?|task-runs/[^/]+/retry|profiles/[^/]+/state)/?");

  private final int maxRequestBytes;
  private final int maxFileRequestBytes;

  public RequestSizeFilter(int maxBytes) {
    this(maxBytes, maxBytes);
  }

  public RequestSizeFilter(int maxRequestBytes, long maxFileRequestBytes) {
    this.maxRequestBytes = maxRequestBytes;
    this.maxFileRequestBytes = (int) Math.min(Integer.MAX_VALUE - 1, maxFileRequestBytes);
  }

  @Override
  public void filter(ContainerRequestContext request) {
    String method = request.getMethod();
    int maxBytes =
        ("POST".equals(method) || "PUT".equals(method))
                && CARRIES_FILES.matcher(request.getUriInfo().getPath()).matches()
            ? maxFileRequestBytes
            : maxRequestBytes;
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
        // A client that asked first (Expect: 100-continue) has sent nothing yet: reading would
        // tell it to go on (100 Continue); it gets the 413 instead.
        if (length <= DRAIN_BYTES && !expectsContinue(request)) {
          drain(request);
        }
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
      // A body cut short, badly chunked, or not in its declared encoding (gzip): the client's
      // fault.
      request.abortWith(ErrorMappers.json(400, "invalid_body"));
      return;
    }
    if (body.length > maxBytes) {
      drain(request);
      request.abortWith(ErrorMappers.json(413, "request_too_large"));
      return;
    }
    request.setEntityStream(new ByteArrayInputStream(body));
  }

  private static boolean expectsContinue(ContainerRequestContext request) {
    String expect = request.getHeaderString("Expect");
    return expect != null && expect.trim().equalsIgnoreCase("100-continue");
  }

  /**
   * Reads what is left of the body, up to {@link #DRAIN_BYTES}; a client that stops sending is not
   * waited for beyond Jetty's idle timeout.
   */
  private static void drain(ContainerRequestContext request) {
    try {
      InputStream in = request.getEntityStream();
      byte[] sink = new byte[64 * 1024];
      long left = DRAIN_BYTES;
      for (int n; left > 0 && (n = in.read(sink, 0, (int) Math.min(sink.length, left))) > 0; ) {
        left -= n;
      }
    } catch (IOException | RuntimeException gone) {
      // The client is gone or cut its body short: the 413 goes out as well as it can.
    }
  }
}
