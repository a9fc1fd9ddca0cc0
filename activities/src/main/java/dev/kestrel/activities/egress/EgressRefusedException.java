package dev.kestrel.activities.egress;

/**
 * The egress policy refused a connection; the message says why. Carries no stack: it is an answer,
 * not a fault.
 */
public final class EgressRefusedException extends Exception {
  public EgressRefusedException(String reason) {
    super(reason, null, false, false);
  }
}
