package dev.parley.http;

import dev.parley.bus.Addresses;
import dev.parley.bus.InternalAddresses;
import dev.parley.bus.Problem;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.Handler;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * POST /v1/chat (JSON or, with "stream": true, SSE), the compact chat endpoint POST
 * /api/{user_id}/chat (the same turn; the path names the user; text in, text out), and the
 * context dry run.
 */
final class ChatRoutes {

  private static final Pattern TURN_EVENT_ID = Pattern.compile(
      "([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}):([0-9]{1,18})");

  private final BusForwarder bus;
  private final ChatStream stream;
  private final long turnTimeoutMs;

  ChatRoutes(BusForwarder bus, ChatStream stream, long turnTimeoutMs) {
    this.bus = bus;
    this.stream = stream;
    this.turnTimeoutMs = turnTimeoutMs;
  }

  void turn(RoutingContext rc) {
    BusForwarder.Params params = BusForwarder.params(rc);
    Object lastEventId = params.header(ConversationEvents.LAST_EVENT_ID);
    if (lastEventId != null) {
      // An SSE client reconnecting: the rest of its turn, never a second turn.
      String user = BusForwarder.user(rc);
      if (user != null) {
        resume(rc, user, lastEventId.toString(), null);
      }
      return;
    }
    JsonObject body = params.body();
    if (Boolean.TRUE.equals(body.remove("stream"))) {
      String user = BusForwarder.user(rc);
      if (user != null) {
        stream.handle(rc, user, body);
      }
      return;
    }
    bus.forward(Addresses.CHAT_TURN, p -> body, true, turnTimeoutMs, BusForwarder.AS_IS).handle(rc);
  }

  /** The compact form: {conversation_id?, message} → {conversation_id, response, tool_calls}; 403 for another user's path. */
  void compactTurn(RoutingContext rc) {
    String user = BusForwarder.user(rc);
    if (user == null) {
      return;
    }
    if (!user.equals(BusForwarder.params(rc).path("user_id"))) {
      Problems.send(rc, Problem.forbidden("The path's user_id must be the token's subject"));
      return;
    }
    bus.forward(Addresses.CHAT_TURN, p -> p.body(), true, turnTimeoutMs, turn -> new JsonObject()
        .put("conversation_id", turn.getString("conversation_id"))
        .put("response", turn.getJsonObject("message").getString("content"))
        .put("tool_calls", turn.getValue("tool_calls") == null ? new io.vertx.core.json.JsonArray() : turn.getValue("tool_calls")))
        .handle(rc);
  }

  /** GET /v1/chat/turns/{turn_id}/events: a streamed turn followed again, after Last-Event-ID or ?after. */
  void followTurn(RoutingContext rc) {
    String user = BusForwarder.user(rc);
    if (user == null) {
      return;
    }
    BusForwarder.Params params = BusForwarder.params(rc);
    Object lastEventId = params.header(ConversationEvents.LAST_EVENT_ID);
    Object after = params.query().getValue("after");
    String turn = params.path("turn_id");
    resume(rc, user, lastEventId != null ? lastEventId.toString() : turn + ":" + (after == null ? 0 : after), turn);
  }

  /**
   * DELETE /v1/chat/turns/{turn_id}: stops a running streamed turn on whatever node runs it; the
   * answer so far is stored as interrupted and ends the turn's stream. 404 when no such turn of the
   * user is running (ended, unknown, or another user's).
   */
  void cancelTurn(RoutingContext rc) {
    String user = BusForwarder.user(rc);
    if (user == null) {
      return;
    }
    String address = InternalAddresses.TURN_CANCEL_PREFIX + UUID.fromString(BusForwarder.params(rc).path("turn_id"));
    DeliveryOptions options = BusForwarder.options(rc, user, address, false, 10_000).setLocalOnly(false);
    rc.vertx().eventBus().request(address, null, options).onComplete(ar -> {
      if (ar.succeeded()) {
        rc.response().setStatusCode(204).end();
      } else if (ar.cause() instanceof ReplyException e && e.failureType() == ReplyFailure.NO_HANDLERS) {
        Problems.send(rc, Problem.notFound("A running turn with this id"));
      } else {
        Problems.send(rc, Problem.fromBus(ar.cause()));
      }
    });
  }

  /** {@code eventId} is {@code <turn id>:<n>}, as every event of a streamed turn carries. */
  private void resume(RoutingContext rc, String user, String eventId, String expectedTurn) {
    Matcher m = TURN_EVENT_ID.matcher(eventId);
    if (!m.matches() || (expectedTurn != null && !m.group(1).equalsIgnoreCase(expectedTurn))) {
      Problems.send(rc, Problem.invalid("/Last-Event-ID",
          "Last-Event-ID must be the id of an event of this turn's stream: <turn id>:<n>"));
      return;
    }
    stream.resume(rc, user, UUID.fromString(m.group(1)), Long.parseLong(m.group(2)));
  }

  Handler<RoutingContext> context() {
    return bus.forward(Addresses.CHAT_CONTEXT, p -> p.body().put("conversation_id", p.path("conversation_id")),
        false, turnTimeoutMs, BusForwarder.AS_IS);
  }
}
