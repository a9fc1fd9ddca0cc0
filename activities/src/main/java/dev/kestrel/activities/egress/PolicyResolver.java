package dev.kestrel.activities.egress;

import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Map;
import org.eclipse.jetty.util.Promise;
import org.eclipse.jetty.util.SocketAddressResolver;

/**
 * Name resolution for Jetty's HTTP client through the egress policy: a connection goes only to
 * addresses the policy checked, and a refused one fails with {@link EgressRefusedException}. A name
 * that does not resolve fails as it would without the policy ({@link UnknownHostException}): a
 * passing DNS failure is worth another attempt, a refusal is not. Used by the browser's proxy and
 * by webhook deliveries alike.
 */
public final class PolicyResolver implements SocketAddressResolver {
  private final EgressPolicy policy;

  public PolicyResolver(EgressPolicy policy) {
    this.policy = policy;
  }

  @Override
  public void resolve(
      String host,
      int port,
      Map<String, Object> context,
      Promise<List<InetSocketAddress>> promise) {
    EgressPolicy.Decision decision = policy.decide(host, port);
    if (decision.unresolved()) {
      promise.failed(new UnknownHostException(decision.refusal()));
    } else if (decision.refused()) {
      promise.failed(new EgressRefusedException(decision.refusal()));
    } else {
      promise.succeeded(
          decision.addresses().stream().map(a -> new InetSocketAddress(a, port)).toList());
    }
  }
}
