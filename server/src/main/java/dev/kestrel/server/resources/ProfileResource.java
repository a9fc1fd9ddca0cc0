package dev.kestrel.server.resources;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kestrel.activities.browser.BrowserState;
import dev.kestrel.model.api.Envelopes.ProfileBody;
import dev.kestrel.model.api.Envelopes.ProfileList;
import dev.kestrel.model.api.Envelopes.ProfileVersionList;
import dev.kestrel.server.core.Conflict;
import dev.kestrel.server.core.Ids;
import dev.kestrel.server.core.InvalidRequest;
import dev.kestrel.server.core.NotFound;
import dev.kestrel.server.core.Problems;
import dev.kestrel.store.Profiles;
import dev.kestrel.store.Representations;
import dev.kestrel.store.db.Database;
import dev.kestrel.store.db.ProfileDao;
import dev.kestrel.store.records.Organization;
import dev.kestrel.store.records.ProfileRecord;
import dev.kestrel.store.records.ProfileVersionRecord;
import io.dropwizard.auth.Auth;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Browser profiles (SPEC 12, an extension): saved logins a run starts from and saves back to,
 * versioned. A profile's state goes in (a run's save, {@code PUT …/state}, a rollback) and never
 * comes out through the API: every answer shows its version and size only.
 */
@Path("/public/v1/profiles")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.WILDCARD)
public class ProfileResource {
  /** A profile's name: what tasks and run requests say, so letters, digits, '_', '-' and '.'. */
  static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.\\-]{0,99}");

  private static final String NOT_FOUND = "profile_not_found";
  private static final String INVALID_ID = "invalid_profile_id";

  private final Profiles profiles;
  private final ProfileDao rows;
  private final ObjectMapper mapper;
  private final int maxStateBytes;
  private final int maxPerOrganization;

  public ProfileResource(
      Profiles profiles, ObjectMapper mapper, int maxStateBytes, int maxPerOrganization) {
    this.profiles = profiles;
    this.rows = profiles.rows();
    this.mapper = mapper;
    this.maxStateBytes = maxStateBytes;
    this.maxPerOrganization = maxPerOrganization;
  }

  @POST
  public Response create(@Auth Organization org, byte[] body) {
    JsonObjectReader reader = JsonObjectReader.body(mapper, body, false).allowOnly(Set.of("name"));
    String name = name(reader, "profile");
    reader.throwIfAny();
    long now = System.currentTimeMillis();
    ProfileRecord profile =
        new ProfileRecord(UUID.randomUUID().toString(), org.id(), name, 0, 0, now, now);
    created(rows.insertWithinLimit(profile, maxPerOrganization), "profile");
    return Response.status(201).entity(new ProfileBody(Representations.profile(profile))).build();
  }

  @GET
  public ProfileList list(@Auth Organization org) {
    return new ProfileList(rows.list(org.id()).stream().map(Representations::profile).toList());
  }

  @GET
  @Path("{profileId}")
  public ProfileBody get(@Auth Organization org, @PathParam("profileId") String profileId) {
    return new ProfileBody(Representations.profile(find(org, profileId)));
  }

  /** The profile and every version of it are deleted; runs that name it later are refused. */
  @DELETE
  @Path("{profileId}")
  public Response delete(@Auth Organization org, @PathParam("profileId") String profileId) {
    if (!rows.delete(org.id(), Ids.require(profileId, INVALID_ID))) {
      throw new NotFound(NOT_FOUND);
    }
    return Response.noContent().build();
  }

  @GET
  @Path("{profileId}/versions")
  public ProfileVersionList versions(
      @Auth Organization org, @PathParam("profileId") String profileId) {
    ProfileRecord profile = find(org, profileId);
    return new ProfileVersionList(
        rows.versions(org.id(), profile.id()).stream()
            .map(Representations::profileVersion)
            .toList());
  }

  /**
   * Makes a kept version current again: its state becomes the next version ({@code source:
   * rollback}, {@code basedOn} the version restored), so the history stays in order and runs that
   * started from another version still save over it as SPEC 12 says.
   */
  @POST
  @Path("{profileId}/rollback")
  public ProfileBody rollback(
      @Auth Organization org, @PathParam("profileId") String profileId, byte[] body) {
    ProfileRecord profile = find(org, profileId);
    JsonObjectReader reader =
        JsonObjectReader.body(mapper, body, false).allowOnly(Set.of("version"));
    if (!reader.has("version")) {
      reader.problems().add(reader.at("version"), "missing", "version is required");
    }
    Integer version = reader.optionalInt("version", 1, Integer.MAX_VALUE);
    reader.throwIfAny();
    List<ProfileVersionRecord> kept = rows.versions(org.id(), profile.id());
    if (kept.stream().noneMatch(v -> v.version() == version)) {
      throw Problems.single(
          reader.at("version"),
          "value_error",
          "version "
              + version
              + " is not kept; the kept versions are "
              + (kept.isEmpty()
                  ? "none"
                  : kept.stream()
                      .map(v -> String.valueOf(v.version()))
                      .collect(Collectors.joining(", "))));
    }
    byte[] state;
    try {
      state = profiles.open(profile.id(), version);
    } catch (Profiles.ProfileUnavailable e) {
      throw new Conflict("profile_version_unavailable");
    }
    profiles
        .add(profile, state, Profiles.FROM_ROLLBACK, version, null)
        .orElseThrow(() -> new NotFound(NOT_FOUND));
    return new ProfileBody(Representations.profile(find(org, profileId)));
  }

  /**
   * Imports a Playwright storageState ({@code {"cookies": [...], "origins": [...]}}, a login made
   * elsewhere) as the next version. It is read once, sealed, and never answered back.
   */
  @PUT
  @Path("{profileId}/state")
  public ProfileBody importState(
      @Auth Organization org, @PathParam("profileId") String profileId, byte[] body) {
    ProfileRecord profile = find(org, profileId);
    if (body != null && body.length > maxStateBytes) {
      throw new InvalidRequest("profile_state_too_large", 413);
    }
    JsonObjectReader reader =
        JsonObjectReader.body(mapper, body, false).allowOnly(Set.of("cookies", "origins"));
    checkStorageState(reader);
    reader.throwIfAny();
    if (!reader.has("origins")) {
      reader.node().putArray("origins"); // Playwright reads both.
    }
    String state;
    try {
      state = mapper.writeValueAsString(reader.node());
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
    profiles
        .add(profile, BrowserState.imported(state), Profiles.FROM_IMPORT, null, null)
        .orElseThrow(() -> new NotFound(NOT_FOUND));
    return new ProfileBody(Representations.profile(find(org, profileId)));
  }

  /**
   * The shape Playwright writes and reads: cookies each with a name, value and domain (or url),
   * origins each with an origin and its localStorage as name/value pairs. A problem names its
   * place, never a value.
   */
  private static void checkStorageState(JsonObjectReader state) {
    Problems problems = state.problems();
    JsonNode cookies = state.get("cookies");
    if (cookies == null || !cookies.isArray()) {
      problems.add(state.at("cookies"), "type_error", "cookies must be an array");
    } else {
      for (int i = 0; i < cookies.size(); i++) {
        JsonNode c = cookies.get(i);
        if (!c.isObject()
            || !c.path("name").isTextual()
            || !c.path("value").isTextual()
            || !(c.path("domain").isTextual() || c.path("url").isTextual())) {
          problems.add(
              Problems.at(state.at("cookies"), i),
              "value_error",
              "a cookie is an object with a name, a value and a domain (or url), as Playwright"
                  + " writes it");
        }
      }
    }
    JsonNode origins = state.get("origins");
    if (origins != null && !origins.isArray()) {
      problems.add(state.at("origins"), "type_error", "origins must be an array");
    } else if (origins != null) {
      for (int i = 0; i < origins.size(); i++) {
        JsonNode o = origins.get(i);
        boolean pairs = o.path("localStorage").isArray();
        if (pairs) {
          for (JsonNode item : o.get("localStorage")) {
            pairs &= item.path("name").isTextual() && item.path("value").isTextual();
          }
        }
        if (!o.isObject() || !o.path("origin").isTextual() || !pairs) {
          problems.add(
              Problems.at(state.at("origins"), i),
              "value_error",
              "an origin is an object with an origin and its localStorage as name/value pairs");
        }
      }
    }
  }

  /**
   * The name of a profile or a proxy ({@code what}): required, and what tasks and run requests can
   * say.
   */
  static String name(JsonObjectReader reader, String what) {
    String name = reader.requiredString("name", 100);
    if (name != null && !NAME.matcher(name).matches()) {
      reader
          .problems()
          .add(
              reader.at("name"),
              "value_error",
              "a "
                  + what
                  + "'s name is 1 to 100 letters, digits, '_', '-' or '.', starting with a letter"
                  + " or digit");
    }
    return name;
  }

  /** 409 {@code <what>_name_taken} or {@code <what>_limit_reached} unless it was created. */
  static void created(Database.NamedInsert outcome, String what) {
    switch (outcome) {
      case NAME_TAKEN -> throw new Conflict(what + "_name_taken");
      case OVER_LIMIT -> throw new Conflict(what + "_limit_reached");
      case CREATED -> {
        // Made.
      }
    }
  }

  private ProfileRecord find(Organization org, String profileId) {
    return rows.find(org.id(), Ids.require(profileId, INVALID_ID))
        .orElseThrow(() -> new NotFound(NOT_FOUND));
  }
}
