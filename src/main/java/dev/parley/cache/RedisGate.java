package dev.parley.cache;

import dev.parley.ops.NodeState;
import dev.parley.resilience.CircuitBreaker;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisClientType;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.RedisReplicas;
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

  /**
   * A gate when redis.url is configured; empty without Redis (no cache, local limits). With
   * redis.cluster, redis.url lists some of the Redis Cluster's masters, comma-separated.
   */
  public static Optional<RedisGate> create(Vertx vertx, JsonObject config) {
    JsonObject redis = config.getJsonObject("redis");
    String url = redis.getString("url", "");
    if (url.isBlank()) {
      return Optional.empty();
    }
    RedisOptions options = new RedisOptions().setMaxPoolSize(8).setMaxPoolWaiting(1024).setMaxWaitingHandlers(4096);
    if (redis.getBoolean("cluster", false)) {
      options.setType(RedisClientType.CLUSTER).setUseReplicas(RedisReplicas.NEVER);
      for (String seed : url.split(",")) {
        if (!seed.isBlank()) {
          options.addConnectionString(seed.trim());
        }
      }
    } else {
      options.setConnectionString(url);
    }
    Redis client = Redis.createClient(vertx, options);
    return Optional.of(new RedisGate(vertx, client, redis.getLong("timeout_ms", 250L),
        new CircuitBreaker(redis.getInteger("breaker_failures", 3), redis.getLong("breaker_open_ms", 2000L),
            System::currentTimeMillis)));
  }

  /**
   * Runs a Lua script by its SHA on the node that holds {@code key}'s slot; a node that does not
   * know the script yet gets its text once (EVAL, which also caches it there). Fails fast while the
   * breaker is open.
   */
  public Future<Response> eval(RedisScript script, String key, Object... args) {
    if (!breaker.allow()) {
      return Future.failedFuture(new IllegalStateException("redis circuit open"));
    }
    return accounted(timed(redis.send(call(Command.EVALSHA, script.sha(), key, args)))
        .recover(e -> e.getMessage() != null && e.getMessage().startsWith("NOSCRIPT")
            ? timed(redis.send(call(Command.EVAL, script.source(), key, args)))
            : Future.failedFuture(e)));
  }

  private static Request call(Command command, String script, String key, Object[] args) {
    Request request = Request.cmd(command).arg(script).arg(1).arg(key);
    for (Object arg : args) {
      if (arg instanceof Number n) {
        request.arg(n.longValue());
      } else {
        request.arg(String.valueOf(arg));
      }
    }
    return request;
  }

  private Future<Response> timed(Future<Response> call) {
    return call.timeout(timeoutMs, TimeUnit.MILLISECONDS);
  }

  private Future<Response> accounted(Future<Response> call) {
    return call
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
