package dev.kestrel.server.resources;

import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerResponseContext;
import jakarta.ws.rs.container.ContainerResponseFilter;
import jakarta.ws.rs.core.MediaType;

/**
 * Server-sent events must reach the client as they are sent: no cache, and no buffering by a
 * reverse proxy in front of us ({@code X-Accel-Buffering: no} is nginx's switch; others honour
 * {@code Cache-Control: no-cache}).
 */
public class EventStreamHeaders implements ContainerResponseFilter {
  @Override
  public void filter(ContainerRequestContext request, ContainerResponseContext response) {
    if (response.getMediaType() != null
        && MediaType.SERVER_SENT_EVENTS_TYPE.isCompatible(response.getMediaType())) {
      response.getHeaders().putSingle("Cache-Control", "no-cache");
      response.getHeaders().putSingle("X-Accel-Buffering", "no");
    }
  }
}
