package dev.kestrel.server.errors;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.kestrel.model.api.Envelopes.ErrorBody;
import dev.kestrel.server.core.ConfirmRequired;
import dev.kestrel.server.core.Conflict;
import dev.kestrel.server.core.EngineUnavailable;
import dev.kestrel.server.core.InvalidRequest;
import dev.kestrel.server.core.NotFound;
import dev.kestrel.server.core.TooManyRequests;
import dev.kestrel.server.core.UsageLimitExceeded;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.ExceptionMapper;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jdbi.v3.core.ConnectionException;
import org.jdbi.v3.core.JdbiException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where the service's domain exceptions become HTTP: every error leaves as {@code {"detail": ...}}
 * (FastAPI's shape, as Komos answers). A fault of ours is a bare 500 internal_error with nothing
 * internal in the body (the stack trace goes to the log). Replaces Dropwizard's mappers.
 */
public final class ErrorMappers {
  private static final Logger LOG = LoggerFactory.getLogger(ErrorMappers.class);

  private ErrorMappers() {}

  /** Every mapper, to register with Jersey. */
  public static List<Object> all() {
    return List.of(
        new Invalid(),
        new Missing(),
        new Conflicting(),
        new Unconfirmed(),
        new OverLimit(),
        new Unavailable(),
        new StoreUnavailable(),
        new Busy(),
        new Json(),
        new Web(),
        new Unhandled());
  }

  /**
   * The API's answer to {@code e}, for the places outside Jersey that answer as the API does (the
   * admin port's run-task).
   */
  public static Response answer(RuntimeException e) {
    if (e instanceof InvalidRequest x) {
      return new Invalid().toResponse(x);
    } else if (e instanceof NotFound x) {
      return new Missing().toResponse(x);
    } else if (e instanceof Conflict x) {
      return new Conflicting().toResponse(x);
    } else if (e instanceof ConfirmRequired x) {
      return new Unconfirmed().toResponse(x);
    } else if (e instanceof UsageLimitExceeded x) {
      return new OverLimit().toResponse(x);
    } else if (e instanceof EngineUnavailable x) {
      return new Unavailable().toResponse(x);
    } else if (e instanceof TooManyRequests x) {
      return new Busy().toResponse(x);
    } else if (e instanceof JdbiException x) {
      return new StoreUnavailable().toResponse(x);
    }
    return internalError(e);
  }

  public static Response json(int status, Object detail) {
    return Response.status(status)
        .type(MediaType.APPLICATION_JSON_TYPE)
        .entity(new ErrorBody(detail))
        .build();
  }

  public static final class Invalid implements ExceptionMapper<InvalidRequest> {
    @Override
    public Response toResponse(InvalidRequest e) {
      return json(e.status(), e.detail());
    }
  }

  public static final class Missing implements ExceptionMapper<NotFound> {
    @Override
    public Response toResponse(NotFound e) {
      return json(404, e.code());
    }
  }

  /** 409 with the once-steps a retry would run again, for a person to confirm. */
  public static final class Unconfirmed implements ExceptionMapper<ConfirmRequired> {
    @Override
    public Response toResponse(ConfirmRequired e) {
      Map<String, Object> detail = new LinkedHashMap<>();
      detail.put("code", "confirm_required");
      detail.put("steps", e.steps());
      return json(409, detail);
    }
  }

  public static final class Conflicting implements ExceptionMapper<Conflict> {
    @Override
    public Response toResponse(Conflict e) {
      return json(409, e.code());
    }
  }

  /** 402 Payment Required, with what was used of what in which period, as Komos answers. */
  public static final class OverLimit implements ExceptionMapper<UsageLimitExceeded> {
    @Override
    public Response toResponse(UsageLimitExceeded e) {
      Map<String, Object> detail = new LinkedHashMap<>();
      detail.put("code", "usage_limit_exceeded");
      detail.put("limit", e.limit());
      detail.put("used", e.used());
      detail.put("periodStart", e.periodStart());
      detail.put("periodEnd", e.periodEnd());
      return json(402, detail);
    }
  }

  /** 503 with Retry-After: nothing was accepted, and a retry soon may succeed. */
  public static final class Unavailable implements ExceptionMapper<EngineUnavailable> {
    @Override
    public Response toResponse(EngineUnavailable e) {
      return Response.fromResponse(json(503, "queue_unavailable"))
          .header("Retry-After", String.valueOf(EngineUnavailable.RETRY_AFTER_SECONDS))
          .build();
    }
  }

  /**
   * 503 with Retry-After when the database cannot be reached (a connection failed or was closed:
   * PostgreSQL restarting, or the embedded database closed by its own shutdown hook while the
   * server stops on SIGTERM, which the soak met as a 500); any other store error is a fault of
   * ours.
   */
  public static final class StoreUnavailable implements ExceptionMapper<JdbiException> {
    @Override
    public Response toResponse(JdbiException e) {
      if (!unreachable(e)) {
        return internalError(e);
      }
      LOG.warn("The store could not be reached; answering 503: {}", rootMessage(e));
      return Response.fromResponse(json(503, "store_unavailable"))
          .header("Retry-After", "1")
          .build();
    }

    /** A connection that could not be had, or one that broke (SQLState class 08). */
    static boolean unreachable(Throwable e) {
      for (Throwable t = e; t != null; t = t.getCause()) {
        if (t instanceof ConnectionException
            || t instanceof java.sql.SQLTransientConnectionException
            || t instanceof java.sql.SQLNonTransientConnectionException
            || (t instanceof java.sql.SQLException sql
                && sql.getSQLState() != null
                && sql.getSQLState().startsWith("08"))) {
          return true;
        }
      }
      return false;
    }

    private static String rootMessage(Throwable e) {
      Throwable root = e;
      while (root.getCause() != null) {
        root = root.getCause();
      }
      return root.getMessage();
    }
  }

  /** 429 with Retry-After: the organization is over a fair-share cap; nothing was done. */
  public static final class Busy implements ExceptionMapper<TooManyRequests> {
    @Override
    public Response toResponse(TooManyRequests e) {
      return Response.fromResponse(json(429, e.code()))
          .header("Retry-After", String.valueOf(e.retryAfterSeconds()))
          .build();
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
        return internalError(e);
      }
      String reason = e.getResponse().getStatusInfo().getReasonPhrase();
      String code =
          reason == null ? "http_" + status : reason.toLowerCase(Locale.ROOT).replace(' ', '_');
      Response.ResponseBuilder r =
          Response.status(status).type(MediaType.APPLICATION_JSON_TYPE).entity(new ErrorBody(code));
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
      return internalError(e);
    }
  }

  /** The header naming the server log's entry for a 500. */
  public static final String ERROR_ID_HEADER = "X-Kestrel-Error-Id";

  /**
   * A fault of ours: the answer says only {@code internal_error} and a reference; the detail is in
   * the server's log under that reference, for whoever runs the server.
   */
  static Response internalError(Throwable e) {
    String reference = java.util.UUID.randomUUID().toString().substring(0, 8);
    LOG.error("Internal error {}", reference, e);
    return Response.fromResponse(json(500, "internal_error"))
        .header(ERROR_ID_HEADER, reference)
        .build();
  }
}
