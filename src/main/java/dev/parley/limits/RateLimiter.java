package dev.parley.limits;

import io.vertx.core.Future;

/**
 * Per-key limits per minute (token buckets): requests and tokens per user, RPM and TPM per model.
 * The local implementation holds one node's buckets; a Redis one makes them cluster-wide.
 */
public interface RateLimiter {

  /** Takes {@code amount} from bucket {@code key} that refills {@code perMinute} a minute; never waits. */
  Future<Decision> acquire(String key, long amount, long perMinute);

  /** Settles a reservation afterwards: a negative {@code delta} gives back, a positive one takes more. */
  Future<Void> adjust(String key, long delta, long perMinute);

  /** The answer of {@link #acquire}: whether it was allowed, and the bucket's state for the headers. */
  record Decision(boolean allowed, long limit, long remaining, long resetSeconds, long retryAfterSeconds) {

    /** The decision for a bucket holding {@code tokens} after the attempt to take {@code amount}. */
    static Decision of(boolean allowed, double tokens, long amount, long perMinute) {
      double missing = Math.min(amount, perMinute) - tokens;
      long retryAfter = allowed ? 0 : Math.max(1, (long) Math.ceil(missing * 60.0 / perMinute));
      long reset = (long) Math.ceil(Math.max(0, perMinute - tokens) * 60.0 / perMinute);
      return new Decision(allowed, perMinute, Math.max(0, (long) Math.floor(tokens)), reset, retryAfter);
    }

    static Decision unlimited() {
      return new Decision(true, 0, 0, 0, 0);
    }
  }
}
