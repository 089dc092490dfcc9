package dev.parley.http;

import dev.parley.bus.Addresses;
import io.vertx.core.Handler;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.openapi.router.RouterBuilder;
import io.vertx.openapi.contract.OpenAPIContract;

/** Binds each operation of openapi.yaml to its event-bus address. */
final class ApiRoutes {

  private static final String CONVERSATION_ID = "conversation_id";
  private static final String MESSAGE_ID = "message_id";

  private ApiRoutes() {
  }

  static void mount(RouterBuilder builder, OpenAPIContract contract, BusForwarder bus, Health health, ChatRoutes chat,
                    ConversationEvents events, AnonymousRoutes anonymous, UserDataRoutes userData,
                    CompletionsRoutes completions) {
    on(builder, contract, "chatTurn", chat::turn);
    on(builder, contract, "createChatCompletion", completions::complete);
    on(builder, contract, "listModels", completions::models);
    on(builder, contract, "compactChat", chat::compactTurn);
    on(builder, contract, "followTurn", chat::followTurn);
    on(builder, contract, "cancelTurn", chat::cancelTurn);
    on(builder, contract, "conversationContext", chat.context());
    on(builder, contract, "createConversation", bus.forwardIdempotent(Addresses.CONVERSATIONS_CREATE, p -> p.body()));
    on(builder, contract, "listConversations", bus.forward(Addresses.CONVERSATIONS_LIST, p -> p.query()));
    on(builder, contract, "getConversation", bus.forward(Addresses.CONVERSATIONS_GET,
        p -> new JsonObject().put("id", p.path(CONVERSATION_ID))));
    on(builder, contract, "updateConversation", bus.forward(Addresses.CONVERSATIONS_UPDATE,
        p -> p.body().put("id", p.path(CONVERSATION_ID))));
    on(builder, contract, "deleteConversation", bus.forward(Addresses.CONVERSATIONS_DELETE,
        p -> new JsonObject().put("id", p.path(CONVERSATION_ID))));
    on(builder, contract, "followConversation", events::handle);
    on(builder, contract, "listBranches", bus.forward(Addresses.BRANCHES_LIST,
        p -> new JsonObject().put("id", p.path(CONVERSATION_ID))));
    on(builder, contract, "createBranch", bus.forward(Addresses.BRANCHES_CREATE,
        p -> p.body().put(CONVERSATION_ID, p.path(CONVERSATION_ID))));
    on(builder, contract, "forkConversation", bus.forward(Addresses.CONVERSATIONS_FORK,
        p -> p.body().put(CONVERSATION_ID, p.path(CONVERSATION_ID))));
    on(builder, contract, "appendMessages", bus.forwardIdempotent(Addresses.MESSAGES_APPEND,
        p -> p.body().put(CONVERSATION_ID, p.path(CONVERSATION_ID))));
    on(builder, contract, "listMessages", bus.forward(Addresses.MESSAGES_LIST,
        p -> p.query().put(CONVERSATION_ID, p.path(CONVERSATION_ID))));
    on(builder, contract, "getMessage", bus.forward(Addresses.MESSAGES_GET,
        p -> new JsonObject().put(CONVERSATION_ID, p.path(CONVERSATION_ID)).put(MESSAGE_ID, p.path(MESSAGE_ID))));
    on(builder, contract, "updateMessage", bus.forward(Addresses.MESSAGES_UPDATE,
        p -> p.body().put(CONVERSATION_ID, p.path(CONVERSATION_ID)).put(MESSAGE_ID, p.path(MESSAGE_ID))));
    on(builder, contract, "deleteMessage", bus.forward(Addresses.MESSAGES_DELETE,
        p -> new JsonObject().put(CONVERSATION_ID, p.path(CONVERSATION_ID)).put(MESSAGE_ID, p.path(MESSAGE_ID))));
    on(builder, contract, "issueAnonymous", anonymous::issue);
    on(builder, contract, "claimAnonymous", bus.forward(Addresses.USERS_CLAIM, p -> p.body()));
    on(builder, contract, "search", bus.forward(Addresses.SEARCH, p -> p.query()));
    on(builder, contract, "exportMe", userData::export);
    on(builder, contract, "importMe", userData::importData);
    on(builder, contract, "eraseMe", bus.forward(Addresses.USERS_ERASE, p -> new JsonObject()));
    on(builder, contract, "healthLive", health::live);
    on(builder, contract, "healthReady", health::ready);
  }

  private static void on(RouterBuilder builder, OpenAPIContract contract, String operationId, Handler<RoutingContext> handler) {
    Handler<RoutingContext> validation = ContractValidation.of(contract, operationId);
    builder.getRoute(operationId).setDoValidation(false)
        .addHandler(rc -> {
          AccessLog.operation(rc, operationId);
          validation.handle(rc);
        })
        .addHandler(handler);
  }
}
