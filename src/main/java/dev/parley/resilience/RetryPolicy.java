package dev.parley.resilience;

import java.util.concurrent.ThreadLocalRandom;

/** Capped exponential backoff with jitter, honouring the provider's Retry-After. */
public final class RetryPolicy {

  private final int maxAttempts;
  private final long baseMs;
  private final long maxMs;

  public RetryPolicy(int maxAttempts, long baseMs, long maxMs) {
    this.maxAttempts = maxAttempts;
    this.baseMs = baseMs;
    this.maxMs = maxMs;
  }

  /**
   * The wait before attempt {@code attempt + 1}, or -1 when there is none: out of attempts, not a
   * retryable failure, or the provider asks to wait longer than the cap (then the client is told).
   */
  public long delayMs(int attempt, boolean retryable, long retryAfterMs, boolean tokensSent) {
    if (attempt >= maxAttempts || !retryable || tokensSent) {
      return -1;
    }
    if (retryAfterMs > maxMs) {
      return -1;
    }
    long backoff = Math.min(maxMs, baseMs << Math.min(20, attempt - 1));
    long jittered = backoff / 2 + ThreadLocalRandom.current().nextLong(backoff / 2 + 1);
    return Math.max(retryAfterMs, jittered);
  }
}
