package dev.kestrel.server.cli;

/**
 * An operator command cannot do what it was asked: printed as one line ("error: ..."), no stack
 * trace.
 */
final class OperatorError extends IllegalArgumentException {
  OperatorError(String message) {
    super(message);
  }
}
