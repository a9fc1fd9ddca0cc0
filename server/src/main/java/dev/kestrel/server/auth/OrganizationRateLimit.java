package dev.kestrel.server.auth;

import com.google.common.cache.CacheBuilder;
import com.google.common.cache.CacheLoader;
import com.google.common.cache.LoadingCache;
import com.google.common.util.concurrent.RateLimiter;
import dev.kestrel.server.core.TooManyRequests;
import dev.kestrel.store.records.Organization;
import jakarta.annotation.Priority;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import java.time.Duration;

/**
 * Each organization's request rate, after authentication: a token bucket per organization
 * (Guava's {@link RateLimiter}, never waiting), so one client's flood is answered 429 while every
 * other organization is served as usual. Buckets of organizations gone quiet are dropped.
 */
@Priority(Priorities.AUTHORIZATION)
public class OrganizationRateLimit implements ContainerRequestFilter {
  private final LoadingCache<String, RateLimiter> buckets;
  private final int perSecond;

  public OrganizationRateLimit(int perSecond) {
    this.perSecond = perSecond;
    this.buckets =
        CacheBuilder.newBuilder()
            .expireAfterAccess(Duration.ofMinutes(10))
            .maximumSize(100_000)
            .build(
                // A burst of one second's worth passes at once; the rate holds beyond it.
                CacheLoader.from(() -> RateLimiter.create(perSecond)));
  }

  @Override
  public void filter(ContainerRequestContext request) {
    if (request.getSecurityContext() != null
        && request.getSecurityContext().getUserPrincipal() instanceof Organization org) {
      RateLimiter bucket = buckets.getUnchecked(org.id());
      int rate = org.fairShare().requestsPerSecond(perSecond);
      if (bucket.getRate() != rate) {
        bucket.setRate(rate); // An operator changed the organization's rate.
      }
      if (!bucket.tryAcquire()) {
        throw new TooManyRequests("rate_limited", 1);
      }
    }
  }
}
