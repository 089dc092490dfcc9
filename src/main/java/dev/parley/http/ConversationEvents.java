package dev.parley.http;

import dev.parley.bus.Addresses;
import dev.parley.bus.BusHeaders;
import dev.parley.bus.InternalAddresses;
import dev.parley.bus.Problem;
import dev.parley.bus.Replies.ConversationEvent;
import dev.parley.bus.Requests;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * GET /v1/conversations/{id}/events: a conversation followed live as Server-Sent Events, served by
 * parley.conversations.follow. First {@code event: conversation} (the conversation now), then
 * {@code event: message} with {@code id: <seq>} for every committed message in seq order, once;
 * {@code event: conversation} after a visible change, {@code event: deleted} last. A reconnect
 * with Last-Event-ID (or ?after_seq=) gets exactly the messages after that seq. Keep-alive
 * comments ({@code : ping}) come from the follow. When the node stops the stream ends, after an
 * {@code event: error}, so that the client reconnects to another node.
 */
final class ConversationEvents {

  static final String LAST_EVENT_ID = "Last-Event-ID";

  private final Vertx vertx;
  private final long timeoutMs;

  ConversationEvents(Vertx vertx, long timeoutMs) {
    this.vertx = vertx;
    this.timeoutMs = timeoutMs;
  }

  void handle(RoutingContext rc) {
    String user = BusForwarder.user(rc);
    if (user == null) {
      return;
    }
    BusForwarder.Params params = BusForwarder.params(rc);
    Object resumeFrom = params.header(LAST_EVENT_ID);
    Object after = resumeFrom != null ? resumeFrom : params.query().getValue("after_seq");
    JsonObject body = new Requests.FollowConversation(UUID.fromString(params.path("conversation_id")),
        after == null ? 0 : ((Number) after).longValue()).toJson();

    SseResponse sse = new SseResponse(rc.response());
    List<Message<JsonObject>> early = new ArrayList<>();
    boolean[] following = {false};
    String address = InternalAddresses.STREAM_PREFIX + UUID.randomUUID();
    MessageConsumer<JsonObject> consumer = vertx.eventBus().localConsumer(address, event -> {
      if (sse.closed()) {
        event.fail(410, "client gone");
      } else if (!following[0]) {
        early.add(event);
      } else {
        write(sse, event);
      }
    });
    Runnable cleanUp = () -> {
      consumer.unregister();
      sse.abandon();
    };
    rc.response().closeHandler(v -> cleanUp.run());
    // A follow holds no work: on shutdown it ends at once and the client reconnects elsewhere.
    rc.request().connection().shutdownHandler(v -> {
      if (!sse.closed() && sse.started()) {
        sse.event(null, "error", Problem.unavailable("The server is shutting down; reconnect").toJson());
      }
      sse.end();
    });
    DeliveryOptions options = BusForwarder.options(rc, user, Addresses.CONVERSATIONS_FOLLOW, false, timeoutMs)
        .addHeader(BusHeaders.STREAM_ADDRESS, address);
    consumer.completion()
        .compose(registered -> vertx.eventBus().<JsonObject>request(Addresses.CONVERSATIONS_FOLLOW, body, options))
        .onComplete(ar -> {
          if (ar.failed()) {
            cleanUp.run();
            if (!sse.started()) {
              Problems.send(rc, Problem.fromBus(ar.cause()));
            } else {
              sse.end();
            }
            return;
          }
          sse.event(null, "conversation", ar.result().body());
          following[0] = true;
          early.forEach(event -> write(sse, event));
          early.clear();
        });
  }

  private static void write(SseResponse sse, Message<JsonObject> message) {
    JsonObject event = message.body();
    String type = event.getString("type", "");
    switch (type) {
      case ConversationEvent.MessageCommitted.TYPE -> {
        JsonObject m = event.getJsonObject("message");
        sse.event(m.getLong("seq"), "message", m);
      }
      case ConversationEvent.ConversationChanged.TYPE -> sse.event(null, "conversation", event.getJsonObject("conversation"));
      case ConversationEvent.Ping.TYPE -> sse.comment("ping");
      case ConversationEvent.ConversationDeleted.TYPE -> sse.event(null, "deleted",
          new JsonObject().put("conversation_id", event.getString("conversation_id")));
      case ConversationEvent.Ended.TYPE -> sse.event(null, "error", event.getJsonObject("problem"));
      default -> {
        // An event type from a newer node: nothing this node can show.
      }
    }
    sse.acknowledge(message);
    if (ConversationEvent.ConversationDeleted.TYPE.equals(type) || ConversationEvent.Ended.TYPE.equals(type)) {
      sse.end();
    }
  }
}
