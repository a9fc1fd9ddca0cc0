package dev.kestrel.server.health;

/** Health answers are one line each: the cause's own message, never a stack trace. */
final class HealthMessages {
  private HealthMessages() {}

  static String oneLine(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String message =
        root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
    String first = message.strip().lines().findFirst().orElse(root.getClass().getSimpleName());
    return first.length() > 300 ? first.substring(0, 300) + "…" : first;
  }
}
