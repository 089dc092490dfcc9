package dev.parley.limits;

import dev.parley.cache.RedisGate;
import dev.parley.cache.RedisScript;
import io.vertx.core.Future;

/**
 * Token buckets held in Redis and changed by atomic Lua scripts, so every node sharing the Redis
 * enforces one limit together; Redis's clock is the only clock. When Redis fails, this node falls
 * back to its own local buckets until Redis answers again.
 */
public final class RedisRateLimiter implements RateLimiter {

  private static final String REFILL = """
      local t = redis.call('TIME')
      local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
      local rate = tonumber(ARGV[2])
      local data = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
      local tokens = tonumber(data[1]) or rate
      local ts = tonumber(data[2]) or now
      tokens = math.min(rate, tokens + math.max(0, now - ts) * rate / 60000)
      """;
  private static final String SAVE = """
      redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', tostring(now))
      redis.call('PEXPIRE', KEYS[1], 120000)
      """;
  private static final RedisScript ACQUIRE = RedisScript.of(REFILL + """
      local amount = tonumber(ARGV[1])
      local allowed = 0
      if tokens >= math.min(amount, rate) then
        tokens = tokens - amount
        allowed = 1
      end
      """ + SAVE + "return {allowed, tostring(tokens)}");
  private static final RedisScript ADJUST = RedisScript.of(REFILL + "tokens = math.min(rate, tokens - tonumber(ARGV[1]))\n"
      + SAVE + "return 1");

  private final RedisGate redis;
  private final RateLimiter fallback;

  public RedisRateLimiter(RedisGate redis, RateLimiter fallback) {
    this.redis = redis;
    this.fallback = fallback;
  }

  /** One bucket is one key, its own hash tag: one slot of a Redis Cluster. */
  private static String bucket(String key) {
    return "parley:rl:{" + key + "}";
  }

  @Override
  public Future<Decision> acquire(String key, long amount, long perMinute) {
    if (perMinute <= 0) {
      return Future.succeededFuture(Decision.unlimited());
    }
    return redis.eval(ACQUIRE, bucket(key), amount, perMinute)
        .map(r -> Decision.of(r.get(0).toInteger() == 1, Double.parseDouble(r.get(1).toString()), amount, perMinute))
        .recover(e -> fallback.acquire(key, amount, perMinute));
  }

  @Override
  public Future<Void> adjust(String key, long delta, long perMinute) {
    if (perMinute <= 0 || delta == 0) {
      return Future.succeededFuture();
    }
    return redis.eval(ADJUST, bucket(key), delta, perMinute).<Void>mapEmpty()
        .recover(e -> fallback.adjust(key, delta, perMinute));
  }

  /** Redis-backed when a gate is given, else local. */
  public static RateLimiter create(java.util.Optional<RedisGate> redis) {
    return create(redis, System::currentTimeMillis);
  }

  /** The same, with the clock the local limiter (and the fallback) reads. */
  public static RateLimiter create(java.util.Optional<RedisGate> redis, java.util.function.LongSupplier clockMs) {
    LocalRateLimiter local = new LocalRateLimiter(clockMs);
    return redis.<RateLimiter>map(gate -> new RedisRateLimiter(gate, local)).orElse(local);
  }
}
