package dev.kestrel.api.errors;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.kestrel.model.api.Envelopes.ErrorBody;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.ExceptionMapper;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every error leaves as {@code {"detail": ...}}; a fault of ours is a bare 500 internal_error with
 * nothing internal in the body (the stack trace goes to the log). Replaces Dropwizard's mappers.
 */
public final class ErrorMappers {
  private static final Logger LOG = LoggerFactory.getLogger(ErrorMappers.class);

  private ErrorMappers() {}

  public static Response json(int status, Object detail) {
    return Response.status(status).type(MediaType.APPLICATION_JSON_TYPE).entity(new ErrorBody(detail)).build();
  }

  public static final class Api implements ExceptionMapper<ApiException> {
    @Override
    public Response toResponse(ApiException e) {
      Response.ResponseBuilder r =
          Response.status(e.status()).type(MediaType.APPLICATION_JSON_TYPE).entity(new ErrorBody(e.detail()));
      e.headers().forEach(r::header);
      return r.build();
    }
  }

  public static final class Json implements ExceptionMapper<JsonProcessingException> {
    @Override
    public Response toResponse(JsonProcessingException e) {
      return json(400, "invalid_json");
    }
  }

  public static final class Web implements ExceptionMapper<WebApplicationException> {
    @Override
    public Response toResponse(WebApplicationException e) {
      int status = e.getResponse().getStatus();
      if (status >= 500) {
        LOG.error("Request failed", e);
        return json(500, "internal_error");
      }
      String reason = e.getResponse().getStatusInfo().getReasonPhrase();
      String code = reason == null ? "http_" + status : reason.toLowerCase(Locale.ROOT).replace(' ', '_');
      Response.ResponseBuilder r = Response.status(status).type(MediaType.APPLICATION_JSON_TYPE).entity(new ErrorBody(code));
      String allow = e.getResponse().getHeaderString("Allow");
      if (allow != null) {
        r.header("Allow", allow);
      }
      return r.build();
    }
  }

  public static final class Unhandled implements ExceptionMapper<Throwable> {
    @Override
    public Response toResponse(Throwable e) {
      LOG.error("Unhandled error", e);
      return json(500, "internal_error");
    }
  }
}
