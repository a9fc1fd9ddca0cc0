package dev.kestrel.activities.browser;

import dev.kestrel.activities.egress.EgressPolicy;
import java.time.Duration;
import java.util.List;

/**
 * How a worker runs its browsers.
 *
 * @param slots browsers this worker runs at once; each slot holds one run at a time
 * @param slotWait how long opening a session waits for a free slot on this worker before it gives
 *     the session back to the queue, so that another worker may take it
 * @param cancelGrace how long a cancelled step may take to stop by itself before its browser is
 *     killed (a navigation cannot be interrupted politely)
 * @param sessionIdleTimeout a session no workflow has used for this long is closed
 * @param recycleAfterSessions a slot's Chromium (and its Playwright driver) is closed and launched
 *     afresh, between two sessions, once it has served this many
 * @param recycleAboveBytes ... or once its processes' resident memory together is above this after
 *     a session closed (0: never for memory)
 */
public record BrowserSettings(
    String chromiumPath,
    int slots,
    boolean headless,
    List<String> extraArgs,
    EgressPolicy egress,
    Duration slotWait,
    Duration cancelGrace,
    Duration sessionIdleTimeout,
    long maxRunArtifactBytes,
    int recycleAfterSessions,
    long recycleAboveBytes,
    int pageHeapLimitMb) {

  /** The flags a slot launches Chromium with: the defaults, the heap limit, the configured ones. */
  public List<String> launchArgs() {
    List<String> args = new java.util.ArrayList<>(DEFAULT_ARGS);
    if (pageHeapLimitMb > 0) {
      args.add("--js-flags=--max-old-space-size=" + pageHeapLimitMb);
    }
    args.addAll(extraArgs);
    return args;
  }

  /** Flags that keep Chromium quiet on a closed network and in a container run as root. */
  public static final List<String> DEFAULT_ARGS =
      List.of(
          "--no-sandbox",
          "--disable-gpu",
          "--disable-dev-shm-usage",
          "--disable-background-networking",
          "--disable-component-update",
          "--disable-sync",
          "--no-first-run",
          "--disable-quic",
          // WebRTC may not send UDP around the proxy (the egress boundary).
          "--force-webrtc-ip-handling-policy=disable_non_proxied_udp",
          "--webrtc-ip-handling-policy=disable_non_proxied_udp");
}
