package dev.parley.http;

import dev.parley.bus.Addresses;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

/** Liveness (the process answers) and readiness (the store reaches its migrated database). */
final class Health {

  private static final DeliveryOptions PROBE = new DeliveryOptions().setSendTimeout(2_000);

  private final EventBus bus;

  Health(EventBus bus) {
    this.bus = bus;
  }

  void live(RoutingContext rc) {
    rc.response().putHeader("Content-Type", "application/json")
        .end(new JsonObject().put("status", "UP").toBuffer());
  }

  void ready(RoutingContext rc) {
    bus.<JsonObject>request(Addresses.STORE_HEALTH, null, PROBE).onComplete(ar -> {
      boolean up = ar.succeeded();
      JsonObject body = new JsonObject().put("status", up ? "UP" : "DOWN")
          .put("checks", new JsonObject().put("database", up ? "UP" : "DOWN"));
      rc.response().setStatusCode(up ? 200 : 503).putHeader("Content-Type", "application/json").end(body.toBuffer());
    });
  }
}
