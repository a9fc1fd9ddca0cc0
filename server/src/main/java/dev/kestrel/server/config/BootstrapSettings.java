package dev.kestrel.server.config;

import dev.kestrel.engine.Env;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * For automated set-ups: at start the server makes sure this organization exists and holds this
 * API key. Defaults come from {@code KOMOS_BOOTSTRAP_API_KEY} and {@code KOMOS_BOOTSTRAP_ORG}.
 */
public class BootstrapSettings {
  @JsonProperty private String apiKey = Env.get("KOMOS_BOOTSTRAP_API_KEY", null);
  @JsonProperty private String organization = Env.get("KOMOS_BOOTSTRAP_ORG", "default");

  public String apiKey() {
    return apiKey;
  }

  public String organization() {
    return organization;
  }

  public BootstrapSettings set(String organization, String apiKey) {
    this.organization = organization;
    this.apiKey = apiKey;
    return this;
  }
}
