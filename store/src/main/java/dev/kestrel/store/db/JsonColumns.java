package dev.kestrel.store.db;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.LinkedHashMap;
import java.util.Map;

/** JSON kept in TEXT columns: one mapper, one way, for every table. */
public final class JsonColumns {
  private static final TypeReference<LinkedHashMap<String, Object>> MAP = new TypeReference<>() {};

  private final ObjectMapper mapper;

  public JsonColumns(ObjectMapper mapper) {
    this.mapper = mapper;
  }

  public String write(Object value) {
    if (value == null) {
      return null;
    }
    try {
      return mapper.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("not serializable as JSON: " + value.getClass(), e);
    }
  }

  public <T> T read(String text, Class<T> type) {
    if (text == null) {
      return null;
    }
    try {
      return mapper.readValue(text, type);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("stored JSON does not read as " + type.getSimpleName(), e);
    }
  }

  public Map<String, Object> readMap(String text) {
    if (text == null) {
      return new LinkedHashMap<>();
    }
    try {
      return mapper.readValue(text, MAP);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("stored JSON is not an object", e);
    }
  }
}
