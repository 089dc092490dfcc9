package dev.parley.chat;

import dev.parley.bus.Addresses;
import dev.parley.bus.InternalAddresses;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.HashSet;
import java.util.Set;
import java.util.UUID;

/**
 * The attempts of the chat turns this node is working on, whose idempotency keys it holds under a
 * lease: renewed together every third of the lease, so the keys of a node that dies are free again
 * within one lease. Confined to the chat verticle's event loop.
 */
final class TurnLeases {

  private final Vertx vertx;
  private final Set<UUID> held = new HashSet<>();
  private final long timer;

  TurnLeases(Vertx vertx, long leaseMs) {
    this.vertx = vertx;
    this.timer = vertx.setPeriodic(Math.max(100, leaseMs / 3), id -> renew());
  }

  void hold(UUID attempt) {
    held.add(attempt);
  }

  void drop(UUID attempt) {
    held.remove(attempt);
  }

  private void renew() {
    if (held.isEmpty()) {
      return;
    }
    JsonArray attempts = new JsonArray();
    held.forEach(a -> attempts.add(a.toString()));
    vertx.eventBus().request(InternalAddresses.IDEMPOTENCY_RENEW, new JsonObject().put("attempts", attempts),
        new DeliveryOptions().setSendTimeout(5_000).setLocalOnly(true));
  }

  void close() {
    vertx.cancelTimer(timer);
  }
}
