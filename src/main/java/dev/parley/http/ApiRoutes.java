package dev.parley.http;

import dev.parley.bus.Addresses;
import io.vertx.core.Handler;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.openapi.router.RouterBuilder;

/** Binds each operation of openapi.yaml to its event-bus address. */
final class ApiRoutes {

  private static final String CONVERSATION_ID = "conversation_id";

  private ApiRoutes() {
  }

  static void mount(RouterBuilder builder, BusForwarder bus, Health health, ChatRoutes chat) {
    on(builder, "chatTurn", chat::turn);
    on(builder, "seedChat", chat::seedTurn);
    on(builder, "conversationContext", chat.context());
    on(builder, "createConversation", bus.forwardIdempotent(Addresses.CONVERSATIONS_CREATE, p -> p.body()));
    on(builder, "listConversations", bus.forward(Addresses.CONVERSATIONS_LIST, p -> p.query()));
    on(builder, "getConversation", bus.forward(Addresses.CONVERSATIONS_GET,
        p -> new JsonObject().put("id", p.path(CONVERSATION_ID))));
    on(builder, "updateConversation", bus.forward(Addresses.CONVERSATIONS_UPDATE,
        p -> p.body().put("id", p.path(CONVERSATION_ID))));
    on(builder, "deleteConversation", bus.forward(Addresses.CONVERSATIONS_DELETE,
        p -> new JsonObject().put("id", p.path(CONVERSATION_ID))));
    on(builder, "appendMessages", bus.forwardIdempotent(Addresses.MESSAGES_APPEND,
        p -> p.body().put(CONVERSATION_ID, p.path(CONVERSATION_ID))));
    on(builder, "listMessages", bus.forward(Addresses.MESSAGES_LIST,
        p -> p.query().put(CONVERSATION_ID, p.path(CONVERSATION_ID))));
    on(builder, "eraseMe", bus.forward(Addresses.USERS_ERASE, p -> new JsonObject()));
    on(builder, "healthLive", health::live);
    on(builder, "healthReady", health::ready);
  }

  private static void on(RouterBuilder builder, String operationId, Handler<RoutingContext> handler) {
    builder.getRoute(operationId).addHandler(rc -> {
      AccessLog.operation(rc, operationId);
      handler.handle(rc);
    });
  }
}
