package dev.kestrel.client;

/** A webhook whose {@code x-komos-signature} does not verify: drop it. */
public class WebhookSignatureException extends Exception {
  public WebhookSignatureException(String message) {
    super(message);
  }
}
