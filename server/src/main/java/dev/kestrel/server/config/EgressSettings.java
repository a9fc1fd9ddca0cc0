package dev.kestrel.server.config;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.kestrel.activities.egress.EgressPolicy;

/**
 * What the browser may reach besides the public internet. Link-local and cloud-metadata
 * addresses are refused whatever this says. The local default is for a developer's own
 * machine, so it allows loopback and private addresses; production configs should say false.
 */
public class EgressSettings {
  @JsonProperty private boolean allowLoopback = true;
  @JsonProperty private boolean allowPrivate = true;

  public boolean allowLoopback() {
    return allowLoopback;
  }

  public boolean allowPrivate() {
    return allowPrivate;
  }

  public EgressPolicy policy() {
    return new EgressPolicy(allowLoopback, allowPrivate);
  }

  public EgressSettings allow(boolean loopback, boolean privateRanges) {
    this.allowLoopback = loopback;
    this.allowPrivate = privateRanges;
    return this;
  }
}
