package dev.parley.limits;

import io.vertx.core.Future;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/** Token buckets held in this process. Thread-safe; idle, full buckets are dropped. */
public final class LocalRateLimiter implements RateLimiter {

  private static final int CLEAN_ABOVE = 10_000;

  private final Map<String, Bucket> buckets = new ConcurrentHashMap<>();
  private final LongSupplier clockMs;

  public LocalRateLimiter() {
    this(System::currentTimeMillis);
  }

  public LocalRateLimiter(LongSupplier clockMs) {
    this.clockMs = clockMs;
  }

  private static final class Bucket {
    double tokens;
    long updatedMs;

    Bucket(double tokens, long updatedMs) {
      this.tokens = tokens;
      this.updatedMs = updatedMs;
    }

    void refill(long now, long perMinute) {
      tokens = Math.min(perMinute, tokens + (now - updatedMs) * perMinute / 60_000.0);
      updatedMs = now;
    }
  }

  @Override
  public Future<Decision> acquire(String key, long amount, long perMinute) {
    if (perMinute <= 0) {
      return Future.succeededFuture(Decision.unlimited());
    }
    long now = clockMs.getAsLong();
    cleanIfLarge(now);
    Bucket bucket = buckets.computeIfAbsent(key, k -> new Bucket(perMinute, now));
    synchronized (bucket) {
      bucket.refill(now, perMinute);
      // A request larger than the whole bucket may still pass when the bucket is full, or it never could.
      boolean allowed = bucket.tokens >= Math.min(amount, perMinute);
      if (allowed) {
        bucket.tokens -= amount;
      }
      return Future.succeededFuture(Decision.of(allowed, bucket.tokens, amount, perMinute));
    }
  }

  @Override
  public Future<Void> adjust(String key, long delta, long perMinute) {
    if (perMinute <= 0 || delta == 0) {
      return Future.succeededFuture();
    }
    long now = clockMs.getAsLong();
    Bucket bucket = buckets.computeIfAbsent(key, k -> new Bucket(perMinute, now));
    synchronized (bucket) {
      bucket.refill(now, perMinute);
      bucket.tokens = Math.min(perMinute, bucket.tokens - delta);
    }
    return Future.succeededFuture();
  }

  private void cleanIfLarge(long now) {
    if (buckets.size() > CLEAN_ABOVE) {
      buckets.entrySet().removeIf(e -> now - e.getValue().updatedMs > 120_000);
    }
  }
}
