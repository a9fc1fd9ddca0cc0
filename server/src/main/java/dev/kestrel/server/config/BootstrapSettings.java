package dev.kestrel.server.config;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.kestrel.engine.Env;

/**
 * For automated set-ups: at start the server makes sure this organization exists and holds this API
 * key. Defaults come from {@code KESTREL_BOOTSTRAP_API_KEY} and {@code KESTREL_BOOTSTRAP_ORG}.
 */
public class BootstrapSettings {
  @JsonProperty private String apiKey = Env.get("KESTREL_BOOTSTRAP_API_KEY", null);
  @JsonProperty private String organization = Env.get("KESTREL_BOOTSTRAP_ORG", "default");

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
