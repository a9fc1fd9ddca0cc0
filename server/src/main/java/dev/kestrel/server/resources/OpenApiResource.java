package dev.kestrel.server.resources;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * The OpenAPI 3.1 document of the public API (SPEC 5), without authentication: what client
 * generators, gateways and Postman start from. It is written by hand in {@value #RESOURCE} and kept
 * true by the integration tests, which validate every answer they get against it.
 */
@Path("/public/v1")
public class OpenApiResource {
  public static final String RESOURCE = "/openapi/kestrel.yaml";

  private final String yaml;
  private final byte[] json;

  public OpenApiResource(ObjectMapper mapper) {
    this.yaml = document();
    try {
      JsonNode tree = new YAMLMapper().readTree(yaml);
      this.json = mapper.writeValueAsBytes(tree);
    } catch (IOException e) {
      throw new UncheckedIOException("the OpenAPI document " + RESOURCE + " is not valid YAML", e);
    }
  }

  /** The document's YAML text, as shipped in the jar. */
  public static String document() {
    try (InputStream in = OpenApiResource.class.getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException(RESOURCE + " is missing from the build");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @GET
  @Path("openapi.json")
  @Produces(MediaType.APPLICATION_JSON)
  public byte[] json() {
    return json;
  }

  @GET
  @Path("openapi.yaml")
  @Produces("application/yaml")
  public String yaml() {
    return yaml;
  }
}
