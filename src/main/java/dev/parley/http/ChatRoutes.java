package dev.parley.http;

import dev.parley.bus.Addresses;
import dev.parley.bus.Problem;
import io.vertx.core.Handler;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

import java.util.function.Function;

/**
 * POST /v1/chat (JSON or, with "stream": true, SSE), the compact chat endpoint POST
 * /api/{user_id}/chat (the same turn; the path names the user; text in, text out), and the
 * context dry run.
 */
final class ChatRoutes {

  private final BusForwarder bus;
  private final ChatStream stream;
  private final long turnTimeoutMs;

  ChatRoutes(BusForwarder bus, ChatStream stream, long turnTimeoutMs) {
    this.bus = bus;
    this.stream = stream;
    this.turnTimeoutMs = turnTimeoutMs;
  }

  void turn(RoutingContext rc) {
    JsonObject body = BusForwarder.params(rc).body();
    if (Boolean.TRUE.equals(body.remove("stream"))) {
      String user = BusForwarder.user(rc);
      if (user != null) {
        stream.handle(rc, user, body);
      }
      return;
    }
    bus.forward(Addresses.CHAT_TURN, p -> body, true, turnTimeoutMs, Function.identity()).handle(rc);
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

  Handler<RoutingContext> context() {
    return bus.forward(Addresses.CHAT_CONTEXT, p -> p.body().put("conversation_id", p.path("conversation_id")),
        false, turnTimeoutMs, Function.identity());
  }
}
