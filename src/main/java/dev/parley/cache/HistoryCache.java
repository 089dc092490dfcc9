package dev.parley.cache;

import dev.parley.ops.ParleyMetrics;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Response;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.UUID;

/**
 * Cache-aside entries of one conversation (its JSON, its newest messages) in Redis. Keys hold the
 * owner, so no code path can read one user's entry for another. Consistency with PostgreSQL:
 * <ul>
 *   <li>every write bumps the conversation's version and deletes its entries after it commits,
 *       before it is acknowledged;</li>
 *   <li>a reader fills an entry only if the version it saw before reading the database is still
 *       current, so a read racing a write never stores what the write replaced;</li>
 *   <li>a write whose invalidation could not reach Redis leaves a mark; before the cache is used
 *       again the global epoch is bumped, which retires every entry at once;</li>
 *   <li>user erasure bumps the user's epoch, which retires all of that user's entries.</li>
 * </ul>
 * Every method succeeds: when Redis fails, reads are misses and nothing is filled.
 */
public final class HistoryCache {

  private static final String BASE = """
      local g = redis.call('GET', 'parley:epoch') or '0'
      local ue = redis.call('GET', 'parley:' .. g .. ':u:' .. ARGV[1] .. ':epoch') or '0'
      local b = 'parley:' .. g .. ':u:' .. ARGV[1] .. ':' .. ue .. ':c:' .. ARGV[2]
      local token = g .. '/' .. ue .. '/' .. (redis.call('GET', b .. ':ver') or '0')
      """;
  private static final String READ = BASE + "return {token, redis.call('GET', b .. ':' .. ARGV[3])}";
  private static final String FILL = BASE + """
      if token ~= ARGV[4] then return 0 end
      redis.call('SET', b .. ':' .. ARGV[3], ARGV[5], 'EX', tonumber(ARGV[6]))
      return 1
      """;
  private static final String INVALIDATE = BASE + """
      redis.call('INCR', b .. ':ver')
      redis.call('EXPIRE', b .. ':ver', 86400)
      redis.call('DEL', b .. ':conversation', b .. ':window')
      return 1
      """;
  private static final String ERASE_USER = """
      local g = redis.call('GET', 'parley:epoch') or '0'
      local k = 'parley:' .. g .. ':u:' .. ARGV[1] .. ':epoch'
      redis.call('INCR', k)
      redis.call('EXPIRE', k, 604800)
      return 1
      """;
  private static final String BUMP_EPOCH = "return redis.call('INCR', 'parley:epoch')";

  /** What a read found: the version token to fill with (null when Redis failed) and the value (null: miss). */
  public record Entry(String token, JsonObject value) {
    static final Entry UNAVAILABLE = new Entry(null, null);
  }

  private final RedisGate redis;
  private final int ttlSeconds;
  private final ParleyMetrics metrics;

  public HistoryCache(RedisGate redis, int ttlSeconds, ParleyMetrics metrics) {
    this.redis = redis;
    this.ttlSeconds = ttlSeconds;
    this.metrics = metrics;
  }

  public Future<Entry> get(String owner, UUID conversation, String kind) {
    return usable().compose(ok -> {
      if (!ok) {
        return Future.succeededFuture(Entry.UNAVAILABLE);
      }
      return redis.eval(READ, key(owner), conversation.toString(), kind).map(r -> {
        Response value = r.get(1);
        if (value == null) {
          metrics.cache("miss");
          return new Entry(r.get(0).toString(), null);
        }
        metrics.cache("hit");
        return new Entry(r.get(0).toString(), new JsonObject(value.toBuffer()));
      });
    }).otherwise(e -> {
      metrics.cache("error");
      return Entry.UNAVAILABLE;
    });
  }

  /** Stores {@code value} if the conversation has not changed since {@code token} was read. */
  public void fill(String owner, UUID conversation, String kind, String token, JsonObject value) {
    if (token == null) {
      return;
    }
    redis.eval(FILL, key(owner), conversation.toString(), kind, token, value.encode(), ttlSeconds)
        .onFailure(e -> metrics.cache("error"));
  }

  /** After a write to the conversation has committed; never fails. */
  public Future<Void> invalidate(String owner, UUID conversation) {
    return redis.eval(INVALIDATE, key(owner), conversation.toString()).<Void>mapEmpty().otherwise(e -> {
      metrics.cache("error");
      redis.markMissedInvalidation();
      return null;
    });
  }

  /** After a user's data was erased; never fails. */
  public Future<Void> eraseUser(String owner) {
    return redis.eval(ERASE_USER, key(owner)).<Void>mapEmpty().otherwise(e -> {
      metrics.cache("error");
      redis.markMissedInvalidation();
      return null;
    });
  }

  /** False while missed invalidations cannot yet be retired by bumping the epoch. */
  private Future<Boolean> usable() {
    if (!redis.missedInvalidation()) {
      return Future.succeededFuture(true);
    }
    return redis.eval(BUMP_EPOCH).map(r -> {
      redis.clearMissedInvalidation();
      return true;
    }).otherwise(false);
  }

  /** Owners are opaque strings: encode them so no owner can shape another's key. */
  private static String key(String owner) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(owner.getBytes(StandardCharsets.UTF_8));
  }
}
