package dev.parley.http;

import dev.parley.bus.Addresses;
import dev.parley.bus.InternalAddresses;
import dev.parley.ops.NodeState;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.healthchecks.HealthChecks;
import io.vertx.ext.healthchecks.Status;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.healthchecks.HealthCheckHandler;

/**
 * Liveness (the process answers) and readiness (vertx-health-check): the store reaches its migrated
 * database, and the node is not shutting down. Redis is reported but never makes the node unready:
 * without it Parley works from PostgreSQL.
 */
final class Health {

  private static final DeliveryOptions PROBE = new DeliveryOptions().setSendTimeout(2_000).setLocalOnly(true);

  private final HealthCheckHandler ready;

  /** {@code redisConfigured}: whether the node has a Redis; without one the check says so instead of "ok". */
  Health(Vertx vertx, boolean redisConfigured) {
    HealthChecks checks = HealthChecks.create(vertx)
        .register("database", 3_000, promise -> vertx.eventBus().request(InternalAddresses.STORE_HEALTH, null, PROBE)
            .onSuccess(reply -> promise.complete(Status.OK()))
            .onFailure(e -> promise.complete(Status.KO())))
        .register("node", promise -> promise.complete(NodeState.shuttingDown(vertx)
            ? Status.KO(new JsonObject().put("state", "shutting down"))
            : NodeState.serving(vertx) ? Status.OK() : Status.KO(new JsonObject().put("state", "starting"))))
        .register("redis", promise -> promise.complete(Status.OK(new JsonObject()
            .put("state", !redisConfigured ? "not configured"
                : NodeState.degraded(vertx, NodeState.Backend.REDIS) ? "degraded" : "ok"))));
    ready = HealthCheckHandler.createWithHealthChecks(checks);
  }

  void live(RoutingContext rc) {
    rc.response().putHeader("Content-Type", "application/json")
        .end(new JsonObject().put("status", "UP").toBuffer());
  }

  void ready(RoutingContext rc) {
    ready.handle(rc);
  }
}
