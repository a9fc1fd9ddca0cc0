package dev.kestrel.server.resources;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kestrel.activities.browser.SealedInputs;
import dev.kestrel.activities.egress.EgressPolicy;
import dev.kestrel.model.api.Envelopes.ProxyBody;
import dev.kestrel.model.api.Envelopes.ProxyList;
import dev.kestrel.server.core.Ids;
import dev.kestrel.server.core.NotFound;
import dev.kestrel.store.Representations;
import dev.kestrel.store.Sealer;
import dev.kestrel.store.db.ProxyDao;
import dev.kestrel.store.records.Organization;
import dev.kestrel.store.records.ProxyRecord;
import io.dropwizard.auth.Auth;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * Upstream proxies (SPEC 12, an extension): a run that names one sends its browser's traffic
 * through the egress policy, then through it. The password is written, sealed, and never answered
 * back; the proxy's own address is checked against the egress policy when it is created.
 */
@Path("/public/v1/proxies")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.WILDCARD)
public class ProxyResource {
  /** {@code http://host:port}: the proxy speaks HTTP to the worker, whatever it tunnels. */
  private static final Pattern SERVER =
      Pattern.compile("http://([A-Za-z0-9.\\-]{1,253}|\\[[0-9A-Fa-f:.]{2,45}\\]):([0-9]{1,5})/?");

  private final ProxyDao proxies;
  private final Sealer sealer;
  private final EgressPolicy policy;
  private final ObjectMapper mapper;
  private final int maxPerOrganization;

  public ProxyResource(
      ProxyDao proxies,
      Sealer sealer,
      EgressPolicy policy,
      ObjectMapper mapper,
      int maxPerOrganization) {
    this.proxies = proxies;
    this.sealer = sealer;
    this.policy = policy;
    this.mapper = mapper;
    this.maxPerOrganization = maxPerOrganization;
  }

  @POST
  public Response create(@Auth Organization org, byte[] body) {
    JsonObjectReader reader =
        JsonObjectReader.body(mapper, body, false)
            .allowOnly(Set.of("name", "server", "username", "password"));
    String name = ProfileResource.name(reader, "proxy");
    String server = reader.requiredString("server", 300);
    String username = reader.optionalString("username", 300);
    String password = reader.optionalString("password", 300);
    if (password != null && username == null) {
      reader
          .problems()
          .add(reader.at("password"), "value_error", "a password goes with a username");
    }
    if (server != null) {
      var m = SERVER.matcher(server);
      if (!m.matches()
          || Integer.parseInt(m.group(2)) < 1
          || Integer.parseInt(m.group(2)) > 65535) {
        reader
            .problems()
            .add(
                reader.at("server"),
                "value_error",
                "server must be http://host:port (an HTTP proxy; HTTPS goes through it as CONNECT)");
      } else {
        URI uri = URI.create(server);
        EgressPolicy.Decision decision = policy.decideUpstream(uri.getHost(), uri.getPort());
        if (decision.refused() && !decision.unresolved()) {
          reader
              .problems()
              .add(
                  reader.at("server"),
                  "value_error",
                  "the egress policy refuses this proxy: " + decision.refusal());
        }
      }
    }
    reader.throwIfAny();
    String id = UUID.randomUUID().toString();
    ProxyRecord proxy =
        new ProxyRecord(
            id,
            org.id(),
            name,
            server.endsWith("/") ? server.substring(0, server.length() - 1) : server,
            username,
            password == null
                ? null
                : sealer.seal(
                    password.getBytes(StandardCharsets.UTF_8), SealedInputs.proxyPasswordOf(id)),
            System.currentTimeMillis());
    ProfileResource.created(proxies.insertWithinLimit(proxy, maxPerOrganization), "proxy");
    return Response.status(201).entity(new ProxyBody(Representations.proxy(proxy))).build();
  }

  @GET
  public ProxyList list(@Auth Organization org) {
    return new ProxyList(proxies.list(org.id()).stream().map(Representations::proxy).toList());
  }

  /** Runs queued before keep its id, and fail when they open their browser. */
  @DELETE
  @Path("{proxyId}")
  public Response delete(@Auth Organization org, @PathParam("proxyId") String proxyId) {
    if (!proxies.delete(org.id(), Ids.require(proxyId, "invalid_proxy_id"))) {
      throw new NotFound("proxy_not_found");
    }
    return Response.noContent().build();
  }
}
