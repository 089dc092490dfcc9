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
 * A chat turn answered as Server-Sent Events: {@code turn} (its id, conversation and stored user
 * message), {@code delta} events while the model writes ({@code tool_call} events for the pieces of
 * the tool calls it makes: {index, id, name, arguments}), then one {@code message} event with the
 * whole turn, or an {@code error} event with a problem; every event has an id {@code <turn id>:<n>}.
 * A comment line keeps idle connections open. Errors before the first byte are plain problem+json
 * responses with their status. A reconnect with Last-Event-ID gets the rest of the same turn from
 * its log (resume). When the client goes away the stream address disappears: a resumable turn runs
 * on detached, any other is cancelled and what was generated is stored as interrupted.
 * (openapi.yaml declares text/event-stream; the router loads a copy with it rewritten, see ContractLoader.)
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

  /** How the events of a streamed turn reach the client. */
  interface Format {

    /**
     * One event of the turn, {@code name} turn, delta, tool_call, message or error, with its data
     * ({@code {content}} for a delta) and its id {@code <turn id>:<n>}.
     */
    void event(SseResponse stream, String id, String name, JsonObject data);

    /** The bus reply: the turn is over and answered. */
    void answered(SseResponse stream, String id, JsonObject reply);

    /** The turn failed after the stream had started. */
    void failed(SseResponse stream, String id, Problem problem);
  }

  /** Parley's own events, as they come; a new turn ends with its answer as the message event. */
  private static Format parley(boolean newTurn) {
    return new Format() {
      @Override
      public void event(SseResponse stream, String id, String name, JsonObject data) {
        stream.event(id, name, data);
        if ("message".equals(name) || "error".equals(name)) {
          stream.end();
        }
      }

      @Override
      public void answered(SseResponse stream, String id, JsonObject reply) {
        if (newTurn) {
          stream.event(id, "message", reply);
        }
        stream.end();
      }

      @Override
      public void failed(SseResponse stream, String id, Problem problem) {
        stream.event(id, "error", problem.toJson());
        stream.end();
      }
    };
  }

  /** A new streamed turn. */
  void handle(RoutingContext rc, String user, JsonObject body) {
    open(rc, user, Addresses.CHAT_TURN, body, parley(true), null);
  }

  /** The rest of a streamed turn after event {@code after}, from its turn log, on any node. */
  void resume(RoutingContext rc, String user, UUID turn, long after) {
    open(rc, user, InternalAddresses.TURNS_FOLLOW,
        new JsonObject().put("turn_id", turn.toString()).put("after", after), parley(false), turn.toString());
  }

  /**
   * Streams what arrives on a fresh local address, in {@code format}: the turn's events with ids
   * {@code <turn id>:<n>}, then its answer (the bus reply) or its failure.
   */
  void open(RoutingContext rc, String user, String busAddress, JsonObject body, Format format, String knownTurn) {
    SseResponse stream = new SseResponse(rc.response());
    String[] turn = {knownTurn};
    boolean[] resumable = {knownTurn != null};
    long[] last = {0};
    String address = InternalAddresses.STREAM_PREFIX + UUID.randomUUID();
    MessageConsumer<JsonObject> consumer = vertx.eventBus().localConsumer(address, event -> {
      if (stream.closed()) {
        event.fail(410, "client gone");
        return;
      }
      JsonObject e = event.body();
      last[0] = e.getLong("n", last[0] + 1);
      if (e.containsKey("turn")) {
        turn[0] = e.getJsonObject("turn").getString("turn_id");
        resumable[0] = e.getJsonObject("turn").getBoolean("resumable", false);
      }
      String name = e.containsKey("delta") ? "delta" : e.containsKey("tool_call") ? "tool_call"
          : e.containsKey("turn") ? "turn" : e.containsKey("message") ? "message" : "error";
      JsonObject data = "delta".equals(name) ? new JsonObject().put("content", e.getString("delta")) : e.getJsonObject(name);
      format.event(stream, turn[0] + ":" + last[0], name, data);
      stream.acknowledge(event);
    });
    long keepAlive = vertx.setPeriodic(keepAliveMs, id -> stream.comment("keep-alive"));
    Runnable cleanUp = () -> {
      vertx.cancelTimer(keepAlive);
      consumer.unregister();
      stream.abandon();
    };
    rc.response().closeHandler(v -> cleanUp.run());
    // Server shutting down: the turn may finish within the grace period. If it does not, a
    // resumable turn just ends its stream (the client reconnects with Last-Event-ID and follows the
    // rest on another node); any other gets an error event before the connection goes.
    rc.request().connection().shutdownHandler(v -> vertx.setTimer(Math.max(1, graceMs - 1_000), id -> {
      if (!stream.closed()) {
        if (!resumable[0]) {
          format.failed(stream, turn[0] == null ? null : turn[0] + ":" + (last[0] + 1),
              Problem.unavailable("The server is shutting down; retry on another node"));
        }
        stream.end();
      }
    }));
    DeliveryOptions options = BusForwarder.options(rc, user, busAddress, knownTurn == null, turnTimeoutMs)
        .addHeader(BusHeaders.STREAM_ADDRESS, address);
    consumer.completion()
        .compose(registered -> vertx.eventBus().<JsonObject>request(busAddress, body, options))
        .onComplete(ar -> {
          cleanUp.run();
          if (stream.closed()) {
            return;
          }
          String id = turn[0] == null ? null : turn[0] + ":" + (last[0] + 1);
          if (ar.succeeded()) {
            format.answered(stream, id, ar.result().body());
          } else if (!stream.started()) {
            Problems.send(rc, Problem.fromBus(ar.cause()));
          } else {
            format.failed(stream, id, Problem.fromBus(ar.cause()));
          }
        });
  }
}
