package dev.kestrel.server.resources;

import dev.kestrel.model.api.Envelopes.WebhookAttemptList;
import dev.kestrel.model.api.Envelopes.WebhookEndpointCreated;
import dev.kestrel.model.api.Envelopes.WebhookEndpointList;
import dev.kestrel.server.core.Conflict;
import dev.kestrel.server.core.Ids;
import dev.kestrel.server.core.NotFound;
import dev.kestrel.server.resources.WebhookEndpointReader.WebhookEndpointRequest;
import dev.kestrel.store.Representations;
import dev.kestrel.store.Secrets;
import dev.kestrel.store.db.TaskDao;
import dev.kestrel.store.db.WebhookDao;
import dev.kestrel.store.records.Organization;
import dev.kestrel.store.records.WebhookEndpointRecord;
import io.dropwizard.auth.Auth;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.UUID;

/** Webhook endpoints of an organization and the attempts to deliver to them (SPEC 7). */
@Path("/public/v1/webhook-endpoints")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.WILDCARD)
public class WebhookEndpointResource {
  private static final String INVALID_ID = "invalid_webhook_endpoint_id";
  private static final String NOT_FOUND = "webhook_endpoint_not_found";

  private final WebhookDao webhooks;
  private final TaskDao tasks;
  private final WebhookEndpointReader reader;
  private final int maxEndpoints;

  public WebhookEndpointResource(
      WebhookDao webhooks, TaskDao tasks, WebhookEndpointReader reader, int maxEndpoints) {
    this.webhooks = webhooks;
    this.tasks = tasks;
    this.reader = reader;
    this.maxEndpoints = maxEndpoints;
  }

  /** The secret is in this answer only. */
  @POST
  public Response create(@Auth Organization org, byte[] body) {
    WebhookEndpointRequest valid = reader.read(body);
    if (valid.taskId() != null && tasks.find(org.id(), valid.taskId()).isEmpty()) {
      throw new NotFound("task_not_found");
    }
    WebhookEndpointRecord endpoint =
        new WebhookEndpointRecord(
            UUID.randomUUID().toString(),
            org.id(),
            valid.url(),
            valid.events(),
            valid.taskId(),
            Secrets.newWebhookSecret(),
            System.currentTimeMillis());
    if (!webhooks.insertEndpointWithinLimit(endpoint, maxEndpoints)) {
      throw new Conflict("webhook_endpoint_limit_reached");
    }
    return Response.status(201)
        .entity(
            new WebhookEndpointCreated(
                Representations.webhookEndpoint(endpoint), endpoint.secret()))
        .build();
  }

  @GET
  public WebhookEndpointList list(@Auth Organization org) {
    return new WebhookEndpointList(
        webhooks.endpoints(org.id()).stream().map(Representations::webhookEndpoint).toList());
  }

  /** Deliveries still waiting for this endpoint are dropped at their next attempt. */
  @DELETE
  @Path("{endpointId}")
  public Response delete(@Auth Organization org, @PathParam("endpointId") String endpointId) {
    if (!webhooks.deleteEndpoint(org.id(), Ids.require(endpointId, INVALID_ID))) {
      throw new NotFound(NOT_FOUND);
    }
    return Response.noContent().build();
  }

  /** Extension: every attempt, newest first; {@code runId} narrows them to one run. */
  @GET
  @Path("{endpointId}/deliveries")
  public WebhookAttemptList deliveries(
      @Auth Organization org,
      @PathParam("endpointId") String endpointId,
      @QueryParam("runId") String runId,
      @QueryParam("limit") String limit) {
    String id = Ids.require(endpointId, INVALID_ID);
    String run = runId == null || runId.isEmpty() ? null : Ids.require(runId, "invalid_run_id");
    webhooks.findEndpoint(org.id(), id).orElseThrow(() -> new NotFound(NOT_FOUND));
    return new WebhookAttemptList(
        webhooks.attempts(id, run, QueryParams.intIn(limit, "limit", 1, 500, 100)));
  }
}
