package dev.kestrel.server.core;

/** The request collides with the state of the store; {@code code} says how (a limit, a race). */
public final class Conflict extends RuntimeException {
  private final String code;

  public Conflict(String code) {
    super(code, null, false, false);
    this.code = code;
  }

  public String code() {
    return code;
  }
}
