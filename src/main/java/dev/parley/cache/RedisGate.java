package dev.parley.cache;

import dev.parley.ops.NodeState;
import dev.parley.resilience.CircuitBreaker;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Every Redis call of a verticle goes through here: a short time-out, and a circuit breaker so a
 * dead or hung Redis costs one time-out, not one per request. The node-wide state lives in
 * {@link NodeState}, so the node logs one line when Redis goes away and one when it is back. The client reconnects by itself: each command takes a pooled connection.
 */
public final class RedisGate {

  private static final Logger LOG = LoggerFactory.getLogger(RedisGate.class);

  private final Redis redis;
  private final long timeoutMs;
  private final CircuitBreaker breaker;
  private final Vertx vertx;

  private RedisGate(Vertx vertx, Redis redis, long timeoutMs, CircuitBreaker breaker) {
    this.redis = redis;
    this.timeoutMs = timeoutMs;
    this.breaker = breaker;
    this.vertx = vertx;
  }

  /** A gate when redis.url is configured; empty without Redis (no cache, local limits). */
  public static Optional<RedisGate> create(Vertx vertx, JsonObject config) {
    JsonObject redis = config.getJsonObject("redis");
    String url = redis.getString("url", "");
    if (url.isBlank()) {
      return Optional.empty();
    }
    Redis client = Redis.createClient(vertx, new RedisOptions().setConnectionString(url)
        .setMaxPoolSize(8).setMaxPoolWaiting(1024).setMaxWaitingHandlers(4096));
    return Optional.of(new RedisGate(vertx, client, redis.getLong("timeout_ms", 250L),
        new CircuitBreaker(redis.getInteger("breaker_failures", 3), redis.getLong("breaker_open_ms", 2000L),
            System::currentTimeMillis)));
  }

  /** Runs a Lua script; fails fast while the breaker is open. */
  public Future<Response> eval(String script, Object... args) {
    Object[] all = new Object[args.length + 2];
    all[0] = script;
    all[1] = 0;
    System.arraycopy(args, 0, all, 2, args.length);
    return send(Request.cmd(Command.EVAL, all));
  }

  public Future<Response> send(Request request) {
    if (!breaker.allow()) {
      return Future.failedFuture(new IllegalStateException("redis circuit open"));
    }
    return redis.send(request).timeout(timeoutMs, TimeUnit.MILLISECONDS)
        .onSuccess(r -> {
          breaker.success();
          if (NodeState.degraded(vertx, NodeState.Backend.REDIS, false)) {
            LOG.info("Redis is reachable again: cache and cluster-wide limits resume");
          }
        })
        .onFailure(e -> {
          breaker.failure();
          if (NodeState.degraded(vertx, NodeState.Backend.REDIS, true)) {
            LOG.warn("Redis is unreachable ({}): reads and writes go to PostgreSQL, limits are local",
                e.getClass().getSimpleName());
          }
        });
  }

  public Future<Void> close() {
    redis.close();
    return Future.succeededFuture();
  }
}
