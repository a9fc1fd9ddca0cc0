package dev.kestrel.api.resources;

import dev.kestrel.activities.webhook.WebhookSigner;
import dev.kestrel.api.core.Ids;
import dev.kestrel.api.core.JsonBodies;
import dev.kestrel.api.core.Organization;
import dev.kestrel.api.core.Views;
import dev.kestrel.api.core.WebhookEndpointRecord;
import dev.kestrel.api.core.WebhookEndpointValidator;
import dev.kestrel.api.db.TaskDao;
import dev.kestrel.api.db.WebhookDao;
import dev.kestrel.api.errors.ApiException;
import dev.kestrel.model.api.Envelopes.WebhookAttemptList;
import dev.kestrel.model.api.Envelopes.WebhookEndpointCreated;
import dev.kestrel.model.api.Envelopes.WebhookEndpointList;
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
  private final WebhookEndpointValidator validator;
  private final JsonBodies bodies;
  private final int maxEndpoints;

  public WebhookEndpointResource(
      WebhookDao webhooks, TaskDao tasks, WebhookEndpointValidator validator, JsonBodies bodies, int maxEndpoints) {
    this.webhooks = webhooks;
    this.tasks = tasks;
    this.validator = validator;
    this.bodies = bodies;
    this.maxEndpoints = maxEndpoints;
  }

  /** The secret is in this answer only. */
  @POST
  public Response create(@Auth Organization org, byte[] body) {
    WebhookEndpointValidator.Validated valid = validator.validate(bodies.object(body, false));
    if (valid.taskId() != null && tasks.find(org.id(), valid.taskId()).isEmpty()) {
      throw ApiException.notFound("task_not_found");
    }
    if (webhooks.countEndpoints(org.id()) >= maxEndpoints) {
      throw new ApiException(409, "webhook_endpoint_limit_reached");
    }
    WebhookEndpointRecord endpoint =
        new WebhookEndpointRecord(
            UUID.randomUUID().toString(),
            org.id(),
            valid.url(),
            valid.events(),
            valid.taskId(),
            WebhookSigner.newSecret(),
            System.currentTimeMillis());
    webhooks.insertEndpoint(endpoint);
    return Response.status(201)
        .entity(new WebhookEndpointCreated(Views.webhookEndpoint(endpoint), endpoint.secret()))
        .build();
  }

  @GET
  public WebhookEndpointList list(@Auth Organization org) {
    return new WebhookEndpointList(webhooks.endpoints(org.id()).stream().map(Views::webhookEndpoint).toList());
  }

  /** Deliveries still waiting for this endpoint are dropped at their next attempt. */
  @DELETE
  @Path("{endpointId}")
  public Response delete(@Auth Organization org, @PathParam("endpointId") String endpointId) {
    if (!webhooks.deleteEndpoint(org.id(), Ids.require(endpointId, INVALID_ID))) {
      throw ApiException.notFound(NOT_FOUND);
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
    webhooks.findEndpoint(org.id(), id).orElseThrow(() -> ApiException.notFound(NOT_FOUND));
    return new WebhookAttemptList(webhooks.attempts(id, run, QueryParams.intIn(limit, "limit", 1, 500, 100)));
  }
}
