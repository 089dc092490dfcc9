package dev.parley.chat;

import dev.parley.bus.BusHeaders;
import dev.parley.bus.Problem;
import dev.parley.bus.Reply;
import io.vertx.core.Future;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.json.JsonObject;

/** Requests to other Parley addresses on behalf of one user and request. */
final class BusCalls {

  private final EventBus bus;
  private final String owner;
  private final String requestId;
  private final long timeoutMs;

  BusCalls(EventBus bus, String owner, String requestId, long timeoutMs) {
    this.bus = bus;
    this.owner = owner;
    this.requestId = requestId;
    this.timeoutMs = timeoutMs;
  }

  Future<Reply> request(String address, JsonObject body) {
    return request(address, body, new DeliveryOptions());
  }

  /** Failures come back as {@link Problem}s. */
  Future<Reply> request(String address, JsonObject body, DeliveryOptions options) {
    // This node's verticles: a turn runs where it was asked for.
    options.setSendTimeout(timeoutMs).setLocalOnly(true).addHeader(BusHeaders.USER, owner);
    if (requestId != null) {
      options.addHeader(BusHeaders.REQUEST_ID, requestId);
    }
    return bus.<Object>request(address, body, options)
        .map(Reply::from)
        .recover(failure -> Future.failedFuture(Problem.fromBus(failure)));
  }

  String owner() {
    return owner;
  }
}
