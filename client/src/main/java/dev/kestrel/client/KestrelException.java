package dev.kestrel.client;

/**
 * A call that got no answer: the connection failed or timed out (the cause says which), after the
 * retries the call allowed. An answer with an error status is a {@link KestrelApiException}.
 */
public class KestrelException extends RuntimeException {
  public KestrelException(String message, Throwable cause) {
    super(message, cause);
  }
}
