package dev.kestrel.server.metrics;

import dev.kestrel.model.api.Envelopes.ErrorBody;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerResponseContext;
import jakarta.ws.rs.container.ContainerResponseFilter;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Counts the API's refusals that mean "not now" rather than "wrong": 402 (monthly limit), 429 (fair
 * share) and 503 (engine unreachable, live view unavailable), by status and code: {@code
 * kestrel_api_refusals_total{status, code}}.
 */
public final class RefusalMetrics implements ContainerResponseFilter {
  /** Our codes are short snake_case words; anything else is folded, so the label stays bounded. */
  private static final Pattern CODE = Pattern.compile("[a-z_]{1,40}");

  private final MeterRegistry meters;

  public RefusalMetrics(MeterRegistry meters) {
    this.meters = meters;
  }

  @Override
  public void filter(ContainerRequestContext request, ContainerResponseContext response) {
    int status = response.getStatus();
    if (status != 402 && status != 429 && status != 503) {
      return;
    }
    Counter.builder("kestrel.api.refusals")
        .description("API answers 402, 429 and 503, by code")
        .tag("status", String.valueOf(status))
        .tag("code", code(response.getEntity()))
        .register(meters)
        .increment();
  }

  private static String code(Object entity) {
    Object detail = entity instanceof ErrorBody body ? body.detail() : null;
    if (detail instanceof Map<?, ?> map) {
      detail = map.get("code");
    }
    return detail instanceof String s && CODE.matcher(s).matches() ? s : "other";
  }
}
