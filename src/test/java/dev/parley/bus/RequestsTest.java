package dev.parley.bus;

import dev.parley.config.Limits;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RequestsTest {

  private static final InputRules RULES = new InputRules(new Limits(1_000_000, 3, 50, 10, 2, 8, 16));
  private static final String ID = "6f1c2b1e-7f43-4c1a-9b5e-0d8e2f7a9c10";

  /** The pointer of the 400 problem {@code parse} throws. */
  private static String pointer(Runnable parse) {
    Problem problem = assertThrows(Problem.class, parse::run);
    assertEquals(400, problem.status());
    return problem.toJson().getJsonArray("errors").getJsonObject(0).getString("pointer");
  }

  @Test
  @DisplayName("Chat turn: string or object message, defaults, enums; every wrong member is a 400 at its pointer")
  void chatTurn() {
    Requests.ChatTurn plain = Requests.ChatTurn.turn(new JsonObject().put("message", "hi"), RULES);
    assertEquals("hi", plain.content());
    assertEquals(ContextStrategy.TOKEN_BUDGET, plain.strategy());
    assertNull(plain.conversationId());
    Requests.ChatTurn full = Requests.ChatTurn.turn(new JsonObject().put("conversation_id", ID)
        .put("message", new JsonObject().put("content", "yo").put("sources", new JsonArray().add("s")))
        .put("model", "m").put("system", "be brief").put("max_output_tokens", 9)
        .put("context", new JsonObject().put("strategy", "last_n").put("last_n", 4).put("max_prompt_tokens", 99)), RULES);
    assertEquals(UUID.fromString(ID), full.conversationId());
    assertEquals(ContextStrategy.LAST_N, full.strategy());
    assertEquals(4, full.lastN());
    assertEquals(full, Requests.ChatTurn.turn(full.toJson(), RULES), "toJson is what fromJson reads");
    assertEquals(Role.USER, full.userMessage().role());

    assertEquals("/message", pointer(() -> Requests.ChatTurn.turn(new JsonObject(), RULES)));
    assertEquals("/message", pointer(() -> Requests.ChatTurn.turn(new JsonObject().put("message", " "), RULES)));
    assertEquals("/message", pointer(() -> Requests.ChatTurn.turn(new JsonObject().put("message", "x".repeat(51)), RULES)));
    assertEquals("/message/colour", pointer(() -> Requests.ChatTurn.turn(new JsonObject().put("message",
        new JsonObject().put("content", "x").put("colour", 1)), RULES)));
    assertEquals("/conversation_id", pointer(() -> Requests.ChatTurn.turn(new JsonObject().put("message", "x")
        .put("conversation_id", "1-2-3-4-5"), RULES)));
    assertEquals("/max_output_tokens", pointer(() -> Requests.ChatTurn.turn(new JsonObject().put("message", "x")
        .put("max_output_tokens", 1.5), RULES)));
    assertEquals("/context/strategy", pointer(() -> Requests.ChatTurn.turn(new JsonObject().put("message", "x")
        .put("context", new JsonObject().put("strategy", "all")), RULES)));
    assertEquals("/context/last_n", pointer(() -> Requests.ChatTurn.turn(new JsonObject().put("message", "x")
        .put("context", new JsonObject().put("strategy", "last_n")), RULES)));
    assertEquals("/stream", pointer(() -> Requests.ChatTurn.turn(new JsonObject().put("message", "x").put("stream", true), RULES)));
    assertEquals("/conversation_id", pointer(() -> Requests.ChatTurn.dryRun(new JsonObject(), RULES)));
    assertNull(Requests.ChatTurn.dryRun(new JsonObject().put("conversation_id", ID), RULES).content());
  }

  @Test
  @DisplayName("Conversation and message requests: the contract's types, ranges, closed sets and no unknown members")
  void storeRequests() {
    Requests.CreateConversation create = Requests.CreateConversation.fromJson(new JsonObject().put("title", "  t  ")
        .put("messages", new JsonArray().add(new JsonObject().put("role", "tool").put("content", "c"))), RULES);
    assertEquals("t", create.title());
    assertEquals(Role.TOOL, create.messages().get(0).role());
    assertEquals("/colour", pointer(() -> Requests.CreateConversation.fromJson(new JsonObject().put("colour", 1), RULES)));

    Requests.ListConversations list = Requests.ListConversations.fromJson(new JsonObject().put("unrelated", 1));
    assertEquals(Pages.DEFAULT_LIMIT, list.limit());
    assertFalse(list.archived());
    assertEquals("/limit", pointer(() -> Requests.ListConversations.fromJson(new JsonObject().put("limit", 101))));
    assertEquals("/archived", pointer(() -> Requests.ListConversations.fromJson(new JsonObject().put("archived", "yes"))));
    assertEquals("/after", pointer(() -> Requests.ListConversations.fromJson(new JsonObject().put("after", "nope"))));

    assertEquals("/id", pointer(() -> Requests.ConversationId.fromJson(new JsonObject())));
    Requests.UpdateConversation update = Requests.UpdateConversation.fromJson(new JsonObject().put("id", ID)
        .putNull("title").put("archived", true), RULES);
    assertTrue(update.titleGiven());
    assertNull(update.title());
    assertNull(update.metadata());
    assertEquals(update, Requests.UpdateConversation.fromJson(update.toJson(), RULES));

    assertEquals("/messages", pointer(() -> Requests.AppendMessages.fromJson(new JsonObject().put("conversation_id", ID)
        .put("messages", new JsonArray()), RULES)));
    Requests.ListMessages messages = Requests.ListMessages.fromJson(new JsonObject().put("conversation_id", ID)
        .put("order", "desc").put("before", ID));
    assertEquals(ListOrder.DESC, messages.order());
    assertEquals(messages, Requests.ListMessages.fromJson(messages.toJson()));
    assertEquals("/order", pointer(() -> Requests.ListMessages.fromJson(new JsonObject().put("conversation_id", ID)
        .put("order", "random"))));
    assertEquals("/x", pointer(() -> Requests.EraseUser.fromJson(new JsonObject().put("x", 1))));
  }

  @Test
  @DisplayName("Closed sets travel as their wire values and list themselves in messages")
  void wireValues() {
    assertEquals(ContextStrategy.SUMMARY, Wire.parse(ContextStrategy.class, "summary"));
    assertNull(Wire.parse(ContextStrategy.class, "SUMMARY"));
    assertEquals("token_budget, last_n or summary", Wire.choices(ContextStrategy.class));
    assertEquals(List.of("system", "user", "assistant", "tool"),
        java.util.Arrays.stream(Role.values()).map(Role::wire).toList());
  }
}
