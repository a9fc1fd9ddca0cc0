package dev.kestrel.server.core;

/**
 * Whether a URL may be reached from here (the egress policy of the workers, which the API checks
 * too when an endpoint is created): null when it may, otherwise why not.
 */
@FunctionalInterface
public interface EgressCheck {
  String refusal(String url);
}
