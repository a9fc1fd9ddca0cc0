package dev.kestrel.client;

/** {@code GET /tasks}: nulls leave the server's defaults (limit 20, offset 0, every status). */
public record TaskQuery(Integer limit, Integer offset, String search, String status) {
  public static TaskQuery all() {
    return new TaskQuery(null, null, null, null);
  }

  public TaskQuery limit(int value) {
    return new TaskQuery(value, offset, search, status);
  }

  public TaskQuery offset(int value) {
    return new TaskQuery(limit, value, search, status);
  }

  public TaskQuery search(String value) {
    return new TaskQuery(limit, offset, value, status);
  }

  public TaskQuery status(String value) {
    return new TaskQuery(limit, offset, search, value);
  }
}
