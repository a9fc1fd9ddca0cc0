package dev.kestrel.activities.egress;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Which addresses the browser and webhook deliveries may reach, in the manner of Stripe's
 * Smokescreen: the name is resolved here, every address it resolves to is checked by range, and the
 * caller connects to the addresses checked (never resolves again). Link-local and cloud-metadata
 * addresses are refused always; loopback and private ranges only when allowed; the host's own
 * service ports (API, admin, engine, its UI, this proxy) always.
 *
 * <p>Host names are read the way browsers read them (WHATWG URL): {@code 0x7f000001}, {@code
 * 0177.0.0.1}, {@code 2130706433} and {@code 127.1} are 127.0.0.1; a trailing dot is dropped;
 * {@code localhost} and {@code *.localhost} are loopback whatever DNS says; IPv6 forms that embed
 * an IPv4 address (mapped, compatible, NAT64) are judged by that address.
 */
public final class EgressPolicy {
  private static final Set<String> METADATA_HOSTS =
      Set.of(
          "metadata.google.internal",
          "metadata",
          "metadata.azure.com",
          "instance-data",
          "instance-data.ec2.internal");
  private static final Set<String> METADATA_ADDRESSES =
      Set.of("169.254.169.254", "169.254.170.2", "100.100.100.200", "fd00:ec2:0:0:0:0:0:254");

  private final boolean allowLoopback;
  private final boolean allowPrivate;
  private final Set<String> proxyHosts;

  /** Ports this host's own services listen on; refused on every local address. */
  private final Set<Integer> protectedPorts = ConcurrentHashMap.newKeySet();

  private final Set<InetAddress> localAddresses = localAddresses();

  public EgressPolicy(boolean allowLoopback, boolean allowPrivate) {
    this(allowLoopback, allowPrivate, Set.of());
  }

  /**
   * {@code proxyHosts}: hosts the operator allows as upstream proxies (SPEC 12) even on loopback or
   * private addresses; the targets reached through them are decided as any other.
   */
  public EgressPolicy(boolean allowLoopback, boolean allowPrivate, Set<String> proxyHosts) {
    this.proxyHosts =
        proxyHosts.stream()
            .map(EgressPolicy::normalize)
            .collect(java.util.stream.Collectors.toUnmodifiableSet());
    this.allowLoopback = allowLoopback;
    this.allowPrivate = allowPrivate;
  }

  /** What a connection to {@code host:port} may do: the addresses to use, or why none may be. */
  public record Decision(List<InetAddress> addresses, String refusal) {
    public boolean refused() {
      return refusal != null;
    }

    /**
     * Refused only because the name does not resolve: a failure to report, not an attempt to log.
     */
    public boolean unresolved() {
      return refusal != null && refusal.endsWith(UNRESOLVED);
    }

    static Decision refuse(String reason) {
      return new Decision(List.of(), reason);
    }
  }

  /** Refuses {@code port} on this host's own addresses from now on, in every configuration. */
  public void protectPort(int port) {
    if (port > 0) {
      protectedPorts.add(port);
    }
  }

  /**
   * Returns why {@code url} may not be fetched, or null when it may. A name that does not resolve
   * now is let through: this answers whether a URL may be stored (a webhook endpoint); every
   * connection is decided again by {@link #decide}, which refuses what it cannot resolve.
   */
  public String refusal(String url) {
    int colon = url.indexOf(':');
    String scheme = colon < 1 ? "" : url.substring(0, colon).toLowerCase(Locale.ROOT);
    int defaultPort;
    switch (scheme) {
      case "http", "ws" -> defaultPort = 80;
      case "https", "wss" -> defaultPort = 443;
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
    Decision decision = decide(host, uri.getPort() < 0 ? defaultPort : uri.getPort());
    if (decision.unresolved()) {
      return null;
    }
    return decision.refusal();
  }

  private static final String UNRESOLVED = "does not resolve";

  /** Resolves {@code host} and decides a connection to it on {@code port}. Blocks on DNS. */
  public Decision decide(String host, int port) {
    return decide(host, port, false);
  }

  /**
   * Decides a connection to an upstream proxy (SPEC 12): as any other, except that a host the
   * operator lists in {@code egress.proxyHosts} may be on a loopback or private address.
   */
  public Decision decideUpstream(String host, int port) {
    return decide(host, port, proxyHosts.contains(normalize(host)));
  }

  private Decision decide(String host, int port, boolean operatorsProxy) {
    String name = normalize(host);
    if (name.isEmpty()) {
      return Decision.refuse("no host");
    }
    if (METADATA_HOSTS.contains(name)) {
      return Decision.refuse("cloud metadata host " + name + " is always refused");
    }
    List<InetAddress> addresses;
    InetAddress literal = literal(name);
    if (literal != null) {
      addresses = List.of(literal);
    } else if (name.equals("localhost") || name.endsWith(".localhost")) {
      addresses = List.of(InetAddress.getLoopbackAddress());
    } else {
      try {
        addresses = List.of(InetAddress.getAllByName(name));
      } catch (UnknownHostException | IllegalArgumentException e) {
        return Decision.refuse(name + " " + UNRESOLVED);
      }
    }
    for (InetAddress address : addresses) {
      String reason = refusal(address, port, operatorsProxy);
      if (reason != null) {
        return Decision.refuse(
            (literal != null
                    ? address.getHostAddress()
                    : name + " resolves to " + address.getHostAddress())
                + ", "
                + reason);
      }
    }
    return new Decision(addresses, null);
  }

  String refusal(InetAddress address, int port) {
    return refusal(address, port, false);
  }

  private String refusal(InetAddress address, int port, boolean operatorsProxy) {
    InetAddress a = embeddedIpv4(address);
    if (METADATA_ADDRESSES.contains(a.getHostAddress())) {
      return "a cloud metadata address (always refused)";
    }
    if (a.isLinkLocalAddress()) {
      return "a link-local address (always refused)";
    }
    if (a.isMulticastAddress()) {
      return "a multicast address (always refused)";
    }
    boolean local =
        a.isLoopbackAddress() || a.isAnyLocalAddress() || localAddresses.contains(scopeless(a));
    if (local && protectedPorts.contains(port)) {
      return "a port of this server's own services (always refused)";
    }
    if (a.isLoopbackAddress() || a.isAnyLocalAddress()) {
      return allowLoopback || operatorsProxy
          ? null
          : "a loopback address (not allowed by configuration)";
    }
    if (isPrivate(a) || local) {
      return allowPrivate || operatorsProxy
          ? null
          : "a private address (not allowed by configuration)";
    }
    return null;
  }

  /**
   * Lower case, no brackets, no trailing dots: {@code LocalHost.} and {@code localhost} are one
   * host.
   */
  static String normalize(String host) {
    String h = host.strip().toLowerCase(Locale.ROOT);
    if (h.startsWith("[") && h.endsWith("]")) {
      h = h.substring(1, h.length() - 1);
    }
    while (h.endsWith(".")) {
      h = h.substring(0, h.length() - 1);
    }
    return h;
  }

  /** The address a browser reads in {@code host}, or null when it is a name. Never uses DNS. */
  static InetAddress literal(String host) {
    try {
      if (host.indexOf(':') >= 0) {
        return InetAddress.getByName("[" + host + "]"); // IPv6 literal: parsed, not resolved.
      }
      byte[] v4 = whatwgIpv4(host);
      return v4 == null ? null : InetAddress.getByAddress(v4);
    } catch (UnknownHostException e) {
      return null;
    }
  }

  /**
   * WHATWG's IPv4 parser: 1 to 4 dot-separated numbers, each decimal, octal (leading 0) or hex
   * (0x); the last fills the remaining bytes. Null when {@code host} is not such a number form.
   */
  static byte[] whatwgIpv4(String host) {
    String[] parts = host.split("\\.", -1);
    if (parts.length > 4 || parts.length == 0) {
      return null;
    }
    long[] numbers = new long[parts.length];
    for (int i = 0; i < parts.length; i++) {
      Long n = number(parts[i]);
      if (n == null) {
        return null;
      }
      numbers[i] = n;
    }
    long value = 0;
    for (int i = 0; i < parts.length - 1; i++) {
      if (numbers[i] > 255) {
        return null;
      }
      value |= numbers[i] << (8 * (3 - i));
    }
    long last = numbers[parts.length - 1];
    if (last >= (1L << (8 * (5 - parts.length)))) {
      return null;
    }
    value |= last;
    return new byte[] {
      (byte) (value >>> 24), (byte) (value >>> 16), (byte) (value >>> 8), (byte) value
    };
  }

  private static Long number(String part) {
    if (part.isEmpty()) {
      return null;
    }
    int radix = 10;
    String digits = part;
    if (part.startsWith("0x") || part.startsWith("0X")) {
      radix = 16;
      digits = part.substring(2);
      if (digits.isEmpty()) {
        return 0L;
      }
    } else if (part.length() > 1 && part.startsWith("0")) {
      radix = 8;
      digits = part.substring(1);
    }
    if (digits.length() > 12) {
      return null;
    }
    try {
      return Long.parseLong(digits, radix);
    } catch (NumberFormatException e) {
      return null;
    }
  }

  /**
   * IPv4-mapped (::ffff:a.b.c.d), IPv4-compatible (::a.b.c.d) and NAT64 (64:ff9b::a.b.c.d)
   * addresses as IPv4.
   */
  static InetAddress embeddedIpv4(InetAddress address) {
    if (!(address instanceof Inet6Address)) {
      return address;
    }
    byte[] b = address.getAddress();
    boolean zeroPrefix = true;
    for (int i = 0; i < 10; i++) {
      zeroPrefix &= b[i] == 0;
    }
    boolean mapped = zeroPrefix && (b[10] & 0xff) == 0xff && (b[11] & 0xff) == 0xff;
    boolean compatible =
        zeroPrefix
            && b[10] == 0
            && b[11] == 0
            && !address.isLoopbackAddress()
            && !address.isAnyLocalAddress();
    boolean nat64 =
        (b[0] & 0xff) == 0x00
            && (b[1] & 0xff) == 0x64
            && (b[2] & 0xff) == 0xff
            && (b[3] & 0xff) == 0x9b;
    if (!mapped && !compatible && !nat64) {
      return address;
    }
    try {
      return Inet4Address.getByAddress(new byte[] {b[12], b[13], b[14], b[15]});
    } catch (UnknownHostException impossible) {
      return address;
    }
  }

  private static boolean isPrivate(InetAddress a) {
    if (a.isSiteLocalAddress()) {
      return true;
    }
    byte[] b = a.getAddress();
    if (a instanceof Inet6Address) {
      return (b[0] & 0xfe) == 0xfc; // fc00::/7 unique local
    }
    int first = b[0] & 0xff;
    return first == 0 // 0.0.0.0/8 "this network": Linux connects it to this host
        || (first == 100 && (b[1] & 0xc0) == 64) // 100.64.0.0/10 carrier-grade NAT
        || (first == 198 && ((b[1] & 0xfe) == 18)) // 198.18.0.0/15 benchmarking
        || first >= 240; // reserved and broadcast
  }

  private static Set<InetAddress> localAddresses() {
    Set<InetAddress> found = new HashSet<>();
    try {
      for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
        Collections.list(nic.getInetAddresses()).forEach(a -> found.add(scopeless(a)));
      }
    } catch (SocketException | RuntimeException e) {
      // No interface list: loopback is still recognised by range.
    }
    return Set.copyOf(found);
  }

  private static InetAddress scopeless(InetAddress a) {
    try {
      return InetAddress.getByAddress(a.getAddress());
    } catch (UnknownHostException impossible) {
      return a;
    }
  }
}
