package dev.kestrel.server.core;

/** The organization has no such thing; {@code code} says which ({@code "run_not_found"}). */
public final class NotFound extends RuntimeException {
  private final String code;

  public NotFound(String code) {
    super(code, null, false, false);
    this.code = code;
  }

  public String code() {
    return code;
  }
}
