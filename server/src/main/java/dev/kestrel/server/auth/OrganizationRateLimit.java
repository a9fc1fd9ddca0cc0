package dev.kestrel.server.auth;

import com.google.common.cache.Cache;
import com.google.common.cache.CacheBuilder;
import dev.kestrel.server.core.TooManyRequests;
import dev.kestrel.store.records.Organization;
import io.github.bucket4j.Bucket;
import jakarta.annotation.Priority;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import java.time.Duration;
import java.util.concurrent.ExecutionException;

/**
 * Each organization's request rate, after authentication: a token bucket per organization
 * (Bucket4j, never waiting) holding one second's worth of requests and refilled at the rate, so a
 * burst passes and a flood is answered 429 while every other organization is served as usual.
 * Buckets of organizations gone quiet are dropped; an operator's new rate applies at once.
 */
@Priority(Priorities.AUTHORIZATION)
public class OrganizationRateLimit implements ContainerRequestFilter {
  private record RateBucket(int perSecond, Bucket bucket) {}

  private final Cache<String, RateBucket> buckets =
      CacheBuilder.newBuilder()
          .expireAfterAccess(Duration.ofMinutes(10))
          .maximumSize(100_000)
          .build();
  private final int perSecond;

  public OrganizationRateLimit(int perSecond) {
    this.perSecond = perSecond;
  }

  @Override
  public void filter(ContainerRequestContext request) {
    if (request.getSecurityContext() == null
        || !(request.getSecurityContext().getUserPrincipal() instanceof Organization org)) {
      return;
    }
    int rate = org.fairShare().requestsPerSecond(perSecond);
    RateBucket current = bucketOf(org.id(), rate);
    if (current.perSecond() != rate) {
      current = new RateBucket(rate, newBucket(rate));
      buckets.put(org.id(), current);
    }
    if (!current.bucket().tryConsume(1)) {
      throw new TooManyRequests("rate_limited", 1);
    }
  }

  private RateBucket bucketOf(String organizationId, int rate) {
    try {
      return buckets.get(organizationId, () -> new RateBucket(rate, newBucket(rate)));
    } catch (ExecutionException impossible) {
      throw new IllegalStateException(impossible);
    }
  }

  private static Bucket newBucket(int perSecond) {
    return Bucket.builder()
        .addLimit(limit -> limit.capacity(perSecond).refillGreedy(perSecond, Duration.ofSeconds(1)))
        .build();
  }
}
