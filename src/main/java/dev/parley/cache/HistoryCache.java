package dev.parley.cache;

import dev.parley.ops.ParleyMetrics;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Response;
import io.vertx.redis.client.ResponseType;

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
 *   <li>keys live under an epoch: reads and fills use the epoch of the node's {@link CacheLease}
 *       and are refused by Redis once a newer epoch was seen there; invalidations land in the
 *       newest epoch Redis has seen;</li>
 *   <li>a write whose invalidation could not reach Redis fences the cache through the lease
 *       before it is acknowledged: a new epoch, every node's lease on the old one run out;</li>
 *   <li>user erasure bumps the user's epoch, which retires all of that user's entries;</li>
 *   <li>a version token names the user's incarnation in Redis (set from Redis's clock when the
 *       user's keys are first touched), the epochs and the conversation's version, so a Redis that
 *       lost its data never hands out a token it handed out before; a caller that keeps a copy in
 *       memory made from one version ({@link #get(String, UUID, String, String)}) may serve it only
 *       while Redis, under a live lease, says that version is current, and keeps it for far less
 *       than the version keys live.</li>
 * </ul>
 * Reads never fail: when Redis fails, they are misses and nothing is filled.
 */
public final class HistoryCache {

  /**
   * KEYS[1] the user's epoch floor, ARGV[1] the deployment's namespace, ARGV[2] the caller's
   * epoch, ARGV[3] the user's key; Redis keeps the newest epoch it has seen for the user and
   * refuses older readers. (When the epoch key expires, the next caller sets it again to the same
   * epoch: nothing changes, and deployments that are gone leave nothing behind for good.) Every
   * key of a user carries the user's hash tag {@code {owner}}, so a script touches one slot of a
   * Redis Cluster.
   */
  private static final String BASE = """
      local g = tonumber(redis.call('GET', KEYS[1]) or '0')
      local want = tonumber(ARGV[2])
      if want > g then
        redis.call('SET', KEYS[1], want, 'EX', 604800)
        g = want
      end
      local u = 'parley:' .. ARGV[1] .. ':{' .. ARGV[3] .. '}:' .. g
      local inc = redis.call('GET', u .. ':inc')
      if not inc then
        local t = redis.call('TIME')
        inc = t[1] .. t[2]
        redis.call('SET', u .. ':inc', inc, 'EX', 604800)
      end
      local ue = redis.call('GET', u .. ':epoch') or '0'
      local b = u .. ':' .. ue .. ':c:' .. ARGV[4]
      local token = inc .. '/' .. g .. '/' .. ue .. '/' .. (redis.call('GET', b .. ':ver') or '0')
      """;
  /** ARGV[6]: the token of what the caller holds in memory ('' for nothing); if it is current, no value is sent. */
  private static final RedisScript READ = RedisScript.of(BASE + """
      if want < g then return 0 end
      if ARGV[6] == token then return {token, false, 1} end
      return {token, redis.call('GET', b .. ':' .. ARGV[5]), 0}
      """);
  private static final RedisScript FILL = RedisScript.of(BASE + """
      if want < g or token ~= ARGV[6] then return 0 end
      redis.call('SET', b .. ':' .. ARGV[5], ARGV[7], 'EX', tonumber(ARGV[8]))
      return 1
      """);
  private static final RedisScript INVALIDATE = RedisScript.of(BASE + """
      redis.call('INCR', b .. ':ver')
      redis.call('EXPIRE', b .. ':ver', 86400)
      redis.call('DEL', b .. ':conversation', b .. ':recent')
      return 1
      """);
  private static final RedisScript ERASE_USER = RedisScript.of(BASE + """
      redis.call('INCR', u .. ':epoch')
      redis.call('EXPIRE', u .. ':epoch', 604800)
      return 1
      """);

  /** What a read found. */
  public sealed interface Entry {
    /** No cache to use now (no lease, Redis refused or failed): read the database, fill nothing. */
    record Unavailable() implements Entry {
    }

    /** Not cached: read the database and fill with this version token, under this epoch. */
    record Miss(long epoch, String token) implements Entry {
    }

    /** Cached; {@code token} is the version it holds. */
    record Hit(JsonObject value, String token) implements Entry {
    }

    /** What the caller holds in memory under {@code token} is still the current version. */
    record Unchanged(String token) implements Entry {
    }
  }

  private static final Entry UNAVAILABLE = new Entry.Unavailable();

  private final RedisGate redis;
  private final CacheLease lease;
  private final int ttlSeconds;
  private final ParleyMetrics metrics;

  public HistoryCache(RedisGate redis, CacheLease lease, int ttlSeconds, ParleyMetrics metrics) {
    this.redis = redis;
    this.lease = lease;
    this.ttlSeconds = ttlSeconds;
    this.metrics = metrics;
  }

  public Future<Entry> get(String owner, UUID conversation, String kind) {
    return get(owner, conversation, kind, null);
  }

  /**
   * Like {@link #get(String, UUID, String)}, for a caller that holds a copy made from the version
   * {@code heldToken} (null: none): {@link Entry.Unchanged} when that is still the current version,
   * under a live lease, so the copy may be served.
   */
  public Future<Entry> get(String owner, UUID conversation, String kind, String heldToken) {
    long epoch = lease.readableEpoch();
    if (epoch < 0) {
      return Future.succeededFuture(UNAVAILABLE);
    }
    return redis.eval(READ, floor(owner), lease.namespace(), epoch, key(owner), conversation.toString(), kind,
        heldToken == null ? "" : heldToken).map(r -> {
      // Refused by Redis (a newer epoch) or the lease ran out while Redis answered: a plain miss.
      if (r.type() != ResponseType.MULTI || lease.readableEpoch() != epoch) {
        return UNAVAILABLE;
      }
      String token = r.get(0).toString();
      if (heldToken != null && r.get(2).toInteger() == 1) {
        metrics.cache("near_hit");
        return new Entry.Unchanged(token);
      }
      Response value = r.get(1);
      if (value == null) {
        metrics.cache("miss");
        return new Entry.Miss(epoch, token);
      }
      metrics.cache("hit");
      return new Entry.Hit(new JsonObject(value.toBuffer()), token);
    }).otherwise(e -> {
      metrics.cache("error");
      return UNAVAILABLE;
    });
  }

  /** Stores {@code value} if the conversation has not changed since {@code miss} was read. */
  public void fill(String owner, UUID conversation, String kind, Entry.Miss miss, JsonObject value) {
    if (lease.readableEpoch() != miss.epoch()) {
      return;
    }
    redis.eval(FILL, floor(owner), lease.namespace(), miss.epoch(), key(owner), conversation.toString(), kind, miss.token(), value.encode(), ttlSeconds)
        .onFailure(e -> metrics.cache("error"));
  }

  /**
   * After a write to the conversation has committed, before it is acknowledged. When Redis cannot
   * be reached the cache is fenced instead; fails only when neither worked.
   */
  public Future<Void> invalidate(String owner, UUID conversation) {
    return retire(redis.eval(INVALIDATE, floor(owner), lease.namespace(), lease.knownEpoch(), key(owner), conversation.toString(), ""));
  }

  /** After a user's data was erased; like {@link #invalidate}. */
  public Future<Void> eraseUser(String owner) {
    return retire(redis.eval(ERASE_USER, floor(owner), lease.namespace(), lease.knownEpoch(), key(owner), "", ""));
  }

  private Future<Void> retire(Future<Response> invalidation) {
    return invalidation.<Void>mapEmpty().recover(e -> {
      metrics.cache("error");
      return lease.fence();
    });
  }

  /** The user's epoch floor: the first key of every script, which routes it to the user's slot. */
  private String floor(String owner) {
    return "parley:" + lease.namespace() + ":{" + key(owner) + "}:epoch";
  }

  /** Owners are opaque strings: encode them so no owner can shape another's key (nor its hash tag). */
  private static String key(String owner) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(owner.getBytes(StandardCharsets.UTF_8));
  }
}
