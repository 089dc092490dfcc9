package dev.parley.http;

import dev.parley.bus.Addresses;
import dev.parley.bus.BusHeaders;
import dev.parley.bus.InternalAddresses;
import dev.parley.bus.Problem;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

import java.util.UUID;

/**
 * A chat turn answered as Server-Sent Events: {@code delta} events while the model writes, then
 * one {@code message} event with the whole turn, or an {@code error} event with a problem; every
 * event has an {@code id:}. A comment line keeps idle connections open. Errors before the first
 * byte are plain problem+json responses with their status. When the client goes away, the stream
 * address disappears and the model call is cancelled; what was generated is stored as interrupted.
 * (The 5.0.x contract cannot declare text/event-stream; openapi.yaml describes it in prose.)
 */
final class ChatStream {

  private final Vertx vertx;
  private final long keepAliveMs;
  private final long turnTimeoutMs;
  private final long graceMs;

  ChatStream(Vertx vertx, long keepAliveMs, long turnTimeoutMs, long graceMs) {
    this.vertx = vertx;
    this.keepAliveMs = keepAliveMs;
    this.turnTimeoutMs = turnTimeoutMs;
    this.graceMs = graceMs;
  }

  void handle(RoutingContext rc, String user, JsonObject body) {
    SseResponse stream = new SseResponse(rc.response());
    int[] nextId = {1};
    String address = InternalAddresses.STREAM_PREFIX + UUID.randomUUID();
    MessageConsumer<JsonObject> consumer = vertx.eventBus().localConsumer(address, delta -> {
      if (stream.closed()) {
        delta.fail(410, "client gone");
        return;
      }
      stream.event(nextId[0]++, "delta", new JsonObject().put("content", delta.body().getString("delta")));
      stream.acknowledge(delta);
    });
    long keepAlive = vertx.setPeriodic(keepAliveMs, id -> stream.comment("keep-alive"));
    Runnable cleanUp = () -> {
      vertx.cancelTimer(keepAlive);
      consumer.unregister();
      stream.abandon();
    };
    rc.response().closeHandler(v -> cleanUp.run());
    // Server shutting down: the turn may finish within the grace period; if it does not, the
    // stream still gets a final event before the connection goes.
    rc.request().connection().shutdownHandler(v -> vertx.setTimer(Math.max(1, graceMs - 1_000), id -> {
      if (!stream.closed()) {
        stream.event(nextId[0]++, "error", Problem.unavailable("The server is shutting down; retry on another node").toJson());
        stream.end();
      }
    }));
    DeliveryOptions options = BusForwarder.options(rc, user, Addresses.CHAT_TURN, true, turnTimeoutMs)
        .addHeader(BusHeaders.STREAM_ADDRESS, address);
    consumer.completion()
        .compose(registered -> vertx.eventBus().<JsonObject>request(Addresses.CHAT_TURN, body, options))
        .onComplete(ar -> {
          cleanUp.run();
          if (stream.closed()) {
            return;
          }
          if (ar.succeeded()) {
            stream.event(nextId[0]++, "message", ar.result().body());
            stream.end();
          } else if (!stream.started()) {
            Problems.send(rc, Problem.fromBus(ar.cause()));
          } else {
            stream.event(nextId[0]++, "error", Problem.fromBus(ar.cause()).toJson());
            stream.end();
          }
        });
  }
}
