package dev.kestrel.activities.egress;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.Locale;
import java.util.Set;

/**
 * Which addresses the browser and webhook deliveries may reach. Link-local and cloud-metadata
 * addresses are refused always; loopback and private ranges only when allowed.
 */
public final class EgressPolicy {
  private static final Set<String> METADATA_HOSTS =
      Set.of("metadata.google.internal", "metadata", "metadata.azure.com", "instance-data");
  private static final Set<String> METADATA_ADDRESSES =
      Set.of("169.254.169.254", "169.254.170.2", "100.100.100.200", "fd00:ec2:0:0:0:0:0:254");

  private final boolean allowLoopback;
  private final boolean allowPrivate;

  public EgressPolicy(boolean allowLoopback, boolean allowPrivate) {
    this.allowLoopback = allowLoopback;
    this.allowPrivate = allowPrivate;
  }

  /** Returns why {@code url} may not be fetched, or null when it may. */
  public String refusal(String url) {
    int colon = url.indexOf(':');
    String scheme = colon < 1 ? "" : url.substring(0, colon).toLowerCase(Locale.ROOT);
    switch (scheme) {
      case "http", "https", "ws", "wss" -> {}
      case "data", "about", "blob" -> {
        return null; // Never leave the browser.
      }
      default -> {
        return "scheme '" + scheme + "' is not allowed";
      }
    }
    URI uri;
    try {
      uri = URI.create(url);
    } catch (IllegalArgumentException e) {
      return "invalid URL";
    }
    String host = uri.getHost();
    if (host == null || host.isEmpty()) {
      return "URL has no host";
    }
    host = host.toLowerCase(Locale.ROOT);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    if (METADATA_HOSTS.contains(host)) {
      return "cloud metadata host " + host + " is always refused";
    }
    InetAddress[] addresses;
    try {
      addresses = InetAddress.getAllByName(host);
    } catch (UnknownHostException e) {
      return null; // The browser will fail to resolve it too; nothing is reached.
    }
    for (InetAddress address : addresses) {
      String reason = refusal(address);
      if (reason != null) {
        return host + " resolves to " + address.getHostAddress() + ", " + reason;
      }
    }
    return null;
  }

  String refusal(InetAddress a) {
    if (METADATA_ADDRESSES.contains(a.getHostAddress())) {
      return "a cloud metadata address (always refused)";
    }
    if (a.isLinkLocalAddress()) {
      return "a link-local address (always refused)";
    }
    if (a.isLoopbackAddress() || a.isAnyLocalAddress()) {
      return allowLoopback ? null : "a loopback address (not allowed by configuration)";
    }
    if (isPrivate(a)) {
      return allowPrivate ? null : "a private address (not allowed by configuration)";
    }
    return null;
  }

  private static boolean isPrivate(InetAddress a) {
    if (a.isSiteLocalAddress()) {
      return true;
    }
    byte[] b = a.getAddress();
    if (a instanceof Inet6Address) {
      return (b[0] & 0xfe) == 0xfc; // fc00::/7 unique local
    }
    return (b[0] & 0xff) == 100 && (b[1] & 0xc0) == 64; // 100.64.0.0/10 carrier-grade NAT
  }
}
