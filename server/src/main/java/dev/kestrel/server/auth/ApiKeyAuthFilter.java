package dev.kestrel.server.auth;

import dev.kestrel.server.errors.ErrorMappers;
import dev.kestrel.store.ApiKeys;
import dev.kestrel.store.db.ApiKeyDao;
import dev.kestrel.store.records.Organization;
import jakarta.annotation.Priority;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.SecurityContext;
import java.security.Principal;

/**
 * {@code Authorization: Bearer sk_live_...}: finds the organization holding the key (by its
 * SHA-256, compared in constant time). Anything else is 401 with {@code WWW-Authenticate: Bearer}.
 */
@Priority(Priorities.AUTHENTICATION)
public class ApiKeyAuthFilter implements ContainerRequestFilter {
  private final ApiKeyDao keys;

  public ApiKeyAuthFilter(ApiKeyDao keys) {
    this.keys = keys;
  }

  @Override
  public void filter(ContainerRequestContext request) {
    String header = request.getHeaderString(HttpHeaders.AUTHORIZATION);
    if (header == null || header.isBlank()) {
      request.abortWith(unauthorized("missing_api_key"));
      return;
    }
    if (header.length() < 8 || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
      request.abortWith(unauthorized("malformed_authorization_header"));
      return;
    }
    String key = header.substring(7).trim();
    if (!ApiKeys.isWellFormed(key)) {
      request.abortWith(unauthorized("malformed_api_key"));
      return;
    }
    String hash = ApiKeys.hash(key);
    var owner = keys.findActiveOwner(hash).filter(o -> ApiKeys.sameHash(o.keyHash(), hash));
    if (owner.isEmpty()) {
      request.abortWith(unauthorized("invalid_api_key"));
      return;
    }
    Organization org = owner.get().organization();
    boolean secure =
        request.getSecurityContext() != null && request.getSecurityContext().isSecure();
    request.setSecurityContext(
        new SecurityContext() {
          @Override
          public Principal getUserPrincipal() {
            return org;
          }

          @Override
          public boolean isUserInRole(String role) {
            return false;
          }

          @Override
          public boolean isSecure() {
            return secure;
          }

          @Override
          public String getAuthenticationScheme() {
            return "Bearer";
          }
        });
  }

  private static Response unauthorized(String detail) {
    return Response.fromResponse(ErrorMappers.json(401, detail))
        .header(HttpHeaders.WWW_AUTHENTICATE, "Bearer")
        .build();
  }
}
