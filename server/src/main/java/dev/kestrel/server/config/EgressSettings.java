package dev.kestrel.server.config;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.kestrel.activities.egress.EgressPolicy;

/**
 * What the browser may reach besides the public internet. Link-local and cloud-metadata addresses
 * are refused whatever this says. The local default is for a developer's own machine, so it allows
 * loopback and private addresses; production configs should say false.
 */
public class EgressSettings {
  @JsonProperty private boolean allowLoopback = true;
  @JsonProperty private boolean allowPrivate = true;

  /**
   * Hosts the operator allows as upstream proxies (SPEC 12) even on a loopback or private address,
   * as a company proxy often is; what the browser reaches through them is decided as always.
   */
  @JsonProperty private java.util.Set<String> proxyHosts = java.util.Set.of();

  public boolean allowLoopback() {
    return allowLoopback;
  }

  public boolean allowPrivate() {
    return allowPrivate;
  }

  private EgressPolicy policy;

  /** The one policy of this process: the ports it protects are added as its services start. */
  public synchronized EgressPolicy policy() {
    if (policy == null) {
      policy = new EgressPolicy(allowLoopback, allowPrivate, proxyHosts);
    }
    return policy;
  }

  public synchronized EgressSettings allow(boolean loopback, boolean privateRanges) {
    this.allowLoopback = loopback;
    this.allowPrivate = privateRanges;
    this.policy = null;
    return this;
  }

  public synchronized EgressSettings proxyHosts(java.util.Set<String> hosts) {
    this.proxyHosts = java.util.Set.copyOf(hosts);
    this.policy = null;
    return this;
  }
}
