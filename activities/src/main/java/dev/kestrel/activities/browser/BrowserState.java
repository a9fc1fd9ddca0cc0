package dev.kestrel.activities.browser;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;

/**
 * What a checkpoint holds of a browser: Playwright's storage state (cookies, session cookies too,
 * and every origin's localStorage and IndexedDB), the page's origin and its sessionStorage, which
 * the storage state leaves out, and the page's URL. It is a credential: it only ever leaves the
 * worker sealed.
 */
public record BrowserState(
    String url, String storageState, String origin, Map<String, String> sessionStorage) {
  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * A profile's state imported from a Playwright storageState (a login made elsewhere, SPEC 12): no
   * page, and no sessionStorage.
   */
  public static byte[] imported(String storageStateJson) {
    return new BrowserState(null, storageStateJson, null, null).toBytes();
  }

  /**
   * The state as a profile keeps it (SPEC 12): without the page, which a run with the profile does
   * not go back to (opening it again could log in again, or order again).
   */
  public static byte[] withoutPage(byte[] state) {
    BrowserState s = fromBytes(state);
    return new BrowserState(null, s.storageState, s.origin, s.sessionStorage).toBytes();
  }

  byte[] toBytes() {
    try {
      return JSON.writeValueAsBytes(this);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  public static BrowserState fromBytes(byte[] bytes) {
    try {
      return JSON.readValue(bytes, BrowserState.class);
    } catch (IOException e) {
      throw new UncheckedIOException("a checkpoint that is not a browser state", e);
    }
  }

  /**
   * A script run before every page of the restored context: it puts the sessionStorage back for the
   * page's origin, once, into a storage that is still empty (a page that filled it since is left
   * alone).
   */
  String sessionStorageScript() {
    try {
      return "(() => { try { if (location.origin !== "
          + JSON.writeValueAsString(origin)
          + " || sessionStorage.length > 0) return; const items = "
          + JSON.writeValueAsString(sessionStorage)
          + "; for (const k of Object.keys(items)) sessionStorage.setItem(k, items[k]); } catch (e) {} })();";
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  boolean hasSessionStorage() {
    return sessionStorage != null
        && !sessionStorage.isEmpty()
        && origin != null
        && !"null".equals(origin);
  }
}
