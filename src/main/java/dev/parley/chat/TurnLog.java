package dev.parley.chat;

import dev.parley.cache.RedisGate;
import dev.parley.cache.RedisScript;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Response;
import io.vertx.redis.client.ResponseType;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * The events of streamed turns, kept in Redis for a short time so that a client can follow a turn
 * again from any node: one Redis Stream per turn ({@code parley:turn:{id}}, entry id {@code 0-n}
 * for event n), beside its owner, a heartbeat of the node running it ({@code :alive}), and who
 * stored its answer ({@code :settled}). All keys of a turn share its hash tag.
 */
final class TurnLog {

  /** One event of a turn: n counts from 1, name is the SSE event name, data its JSON. */
  record Event(long n, String name, JsonObject data) {

    boolean last() {
      return "message".equals(name) || "error".equals(name);
    }

    JsonObject toJson() {
      return new JsonObject().put("n", n).put("name", name).put("data", data);
    }

    static Event fromJson(JsonObject json) {
      return new Event(json.getLong("n"), json.getString("name"), json.getJsonObject("data"));
    }
  }

  /** What a read found: events after the asked one, whether the turn's node is alive, and the owner. */
  record Page(List<Event> events, boolean alive, String owner) {
  }

  /** ARGV: owner, keep ms, heartbeat ms, then n and JSON per event. Also renews the heartbeat. */
  private static final RedisScript APPEND = RedisScript.of("""
      local keep = tonumber(ARGV[2])
      for i = 4, #ARGV, 2 do
        redis.call('XADD', KEYS[1], '0-' .. ARGV[i], 'e', ARGV[i + 1])
      end
      redis.call('PEXPIRE', KEYS[1], keep)
      redis.call('SET', KEYS[1] .. ':owner', ARGV[1], 'PX', keep)
      redis.call('SET', KEYS[1] .. ':alive', '1', 'PX', tonumber(ARGV[3]))
      return 1
      """);
  /** ARGV: the last n the reader has, how many to read. */
  private static final RedisScript READ = RedisScript.of("""
      local entries = redis.call('XRANGE', KEYS[1], '(0-' .. ARGV[1], '+', 'COUNT', tonumber(ARGV[2]))
      local out = {}
      for i, entry in ipairs(entries) do
        out[i] = entry[2][2]
      end
      return {out, redis.call('EXISTS', KEYS[1] .. ':alive'), redis.call('GET', KEYS[1] .. ':owner') or ''}
      """);
  /** ARGV: keep ms. 1 when this caller is the one that stores the turn's answer. */
  private static final RedisScript SETTLE = RedisScript.of("""
      if redis.call('SET', KEYS[1] .. ':settled', '1', 'NX', 'PX', tonumber(ARGV[1])) then return 1 end
      return 0
      """);
  /** The heartbeat alone. */
  private static final RedisScript BEAT = RedisScript.of("""
      redis.call('SET', KEYS[1] .. ':alive', '1', 'PX', tonumber(ARGV[1]))
      return 1
      """);

  /** How long a node's heartbeat lasts without renewal: a turn is taken over this long after its node died. */
  static final long ALIVE_MS = 5_000;

  private final RedisGate redis;
  private final long keepMs;

  TurnLog(RedisGate redis, long keepMs) {
    this.redis = redis;
    this.keepMs = keepMs;
  }

  private static String key(UUID turn) {
    return "parley:turn:{" + turn + "}";
  }

  Future<Void> append(UUID turn, String owner, List<Event> events) {
    Object[] args = new Object[3 + events.size() * 2];
    args[0] = owner;
    args[1] = keepMs;
    args[2] = ALIVE_MS;
    for (int i = 0; i < events.size(); i++) {
      args[3 + 2 * i] = events.get(i).n();
      args[4 + 2 * i] = events.get(i).toJson().encode();
    }
    return redis.eval(APPEND, key(turn), args).mapEmpty();
  }

  Future<Void> beat(UUID turn) {
    return redis.eval(BEAT, key(turn), ALIVE_MS).mapEmpty();
  }

  Future<Page> read(UUID turn, long after, int count) {
    return redis.eval(READ, key(turn), after, count).map(r -> {
      List<Event> events = new ArrayList<>();
      Response entries = r.get(0);
      if (entries != null && entries.type() == ResponseType.MULTI) {
        for (Response entry : entries) {
          events.add(Event.fromJson(new JsonObject(entry.toBuffer())));
        }
      }
      return new Page(events, r.get(1).toInteger() == 1, r.get(2).toString());
    });
  }

  /** Whether this caller stores the turn's answer (the first to ask does; every later one is refused). */
  Future<Boolean> settle(UUID turn) {
    return redis.eval(SETTLE, key(turn), keepMs).map(r -> r.toInteger() == 1);
  }

  /** The answer so far: the deltas' text, in order. */
  static String partialAnswer(List<Event> events) {
    StringBuilder text = new StringBuilder();
    for (Event e : events) {
      if ("delta".equals(e.name())) {
        text.append(e.data().getString("content", ""));
      }
    }
    return text.toString();
  }
}
