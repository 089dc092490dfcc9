package dev.parley.llm.provider;

/** A failed provider call, classified for retries, the breaker and the HTTP answer. */
public final class ProviderException extends RuntimeException {

  /** What went wrong, and whether a retry may help. */
  public enum Kind {
    RATE_LIMITED(true),
    OVERLOADED(true),
    TIMEOUT(true),
    CONNECTION(true),
    CONTEXT_TOO_LONG(false),
    REJECTED(false),
    STREAM_CUT(false),
    CIRCUIT_OPEN(false),
    CANCELLED(false);

    final boolean retryable;

    Kind(boolean retryable) {
      this.retryable = retryable;
    }
  }

  private final Kind kind;
  private final int httpStatus;
  private final long retryAfterMs;

  public ProviderException(Kind kind, int httpStatus, long retryAfterMs, String message) {
    super(message, null, false, false);
    this.kind = kind;
    this.httpStatus = httpStatus;
    this.retryAfterMs = retryAfterMs;
  }

  public static ProviderException of(Kind kind, String message) {
    return new ProviderException(kind, 0, -1, message);
  }

  /** Classifies an HTTP error answer of a provider. */
  public static ProviderException fromStatus(int status, long retryAfterMs, String body) {
    String lower = body == null ? "" : body.toLowerCase();
    if (status == 429) {
      return new ProviderException(Kind.RATE_LIMITED, status, retryAfterMs, "provider rate limit");
    }
    if (status == 408) {
      return new ProviderException(Kind.TIMEOUT, status, retryAfterMs, "provider timed out");
    }
    if (status >= 500) {
      return new ProviderException(Kind.OVERLOADED, status, retryAfterMs, "provider error " + status);
    }
    if ((status == 400 || status == 413) && (lower.contains("context_length_exceeded") || lower.contains("too long")
        || lower.contains("maximum context length") || lower.contains("too many tokens"))) {
      return new ProviderException(Kind.CONTEXT_TOO_LONG, status, -1, "context too long for the model");
    }
    return new ProviderException(Kind.REJECTED, status, -1, "provider rejected the request with " + status);
  }

  public Kind kind() {
    return kind;
  }

  public boolean retryable() {
    return kind.retryable;
  }

  public int httpStatus() {
    return httpStatus;
  }

  public long retryAfterMs() {
    return retryAfterMs;
  }

  /** Counts against the provider's circuit breaker: the provider (not the request) is unwell. */
  public boolean countsAgainstProvider() {
    return kind == Kind.OVERLOADED || kind == Kind.TIMEOUT || kind == Kind.CONNECTION || kind == Kind.STREAM_CUT;
  }
}
