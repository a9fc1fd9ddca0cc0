package dev.kestrel.server.core;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Collects validation problems in FastAPI's list shape: {@code [{"loc": [...], "msg": ..., "type":
 * ...}]}, so that one 400 names every problem and the key each is about.
 */
public final class Problems {
  private final List<Map<String, Object>> items = new ArrayList<>();

  public Problems add(List<Object> loc, String type, String msg) {
    items.add(Map.of("loc", List.copyOf(loc), "msg", msg, "type", type));
    return this;
  }

  public boolean isEmpty() {
    return items.isEmpty();
  }

  public int size() {
    return items.size();
  }

  public List<Map<String, Object>> items() {
    return items;
  }

  /** Throws {@link InvalidRequest} naming every problem, if there is any. */
  public void throwIfAny() {
    if (!items.isEmpty()) {
      throw new InvalidRequest(List.copyOf(items));
    }
  }

  /** One problem, thrown at once. */
  public static InvalidRequest single(List<Object> loc, String type, String msg) {
    return new InvalidRequest(new Problems().add(loc, type, msg).items());
  }

  /** {@code loc} with {@code key} appended. */
  public static List<Object> at(List<Object> loc, Object key) {
    List<Object> out = new ArrayList<>(loc);
    out.add(key);
    return out;
  }
}
