package dev.kestrel.api.errors;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Collects validation problems in FastAPI's list shape: {@code [{"loc": [...], "msg": ..., "type": ...}]},
 * so that one 400 names every problem and the key each is about.
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

  public List<Map<String, Object>> items() {
    return items;
  }

  /** Throws a 400 naming every problem, if there is any. */
  public void throwIfAny() {
    if (!items.isEmpty()) {
      throw new ApiException(400, List.copyOf(items));
    }
  }
}
