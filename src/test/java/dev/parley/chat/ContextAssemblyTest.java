package dev.parley.chat;

import dev.parley.support.ChatFixtures;
import dev.parley.support.FakeProvider;
import dev.parley.support.Http;
import dev.parley.support.TestServer;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static dev.parley.support.ChatFixtures.tokens;
import static dev.parley.support.Eventually.eventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Context assembly on the "tiny" model (window 200, output 50, 4 tokens per message, 3 priming):
 * 147 tokens of room. Five stored messages of 20 tokens cost 24 each, 120 in all.
 */
class ContextAssemblyTest {

  private static FakeProvider fake;
  private static TestServer server;
  private static Http alice;

  @BeforeAll
  static void start() {
    fake = new FakeProvider();
    server = TestServer.start(ChatFixtures.env(fake, Map.of()));
    alice = Http.as(server, "alice-context");
  }

  @AfterAll
  static void stop() {
    server.close();
    fake.close();
  }

  @BeforeEach
  void resetFake() {
    fake.reset();
  }

  /** A conversation with five 20-token messages; returns its id and the message ids. */
  private static String conversationWithHistory(List<String> ids) {
    JsonArray messages = new JsonArray();
    for (int i = 0; i < 5; i++) {
      messages.add(new JsonObject().put("role", i % 2 == 0 ? "user" : "assistant").put("content", tokens(20)));
    }
    String id = alice.newConversation();
    JsonArray stored = alice.post("/v1/conversations/" + id + "/messages", new JsonObject().put("messages", messages))
        .bodyAsJsonObject().getJsonArray("data");
    for (Object m : stored) {
      assertEquals(20, ((JsonObject) m).getInteger("token_count"));
      ids.add(((JsonObject) m).getString("id"));
    }
    return id;
  }

  private static JsonObject tiny(String message) {
    return new JsonObject().put("model", "tiny").put("message", message);
  }

  @Test
  @DisplayName("Exact fit: a 23-token message leaves exactly 120 tokens, and all five stored messages go")
  void exactFit() {
    List<String> ids = new ArrayList<>();
    String id = conversationWithHistory(ids);
    JsonObject dry = alice.post("/v1/conversations/" + id + "/context", tiny(tokens(23))).bodyAsJsonObject();
    assertEquals(147, dry.getInteger("budget_tokens"));
    assertEquals(6, dry.getInteger("messages_included"));
    assertEquals(0, dry.getInteger("messages_dropped"));
    assertEquals(null, dry.getValue("dropped_reason"));
    assertEquals(150, dry.getInteger("prompt_tokens"));
    assertEquals(ids.get(0), dry.getJsonArray("messages").getJsonObject(0).getString("id"));

    HttpResponse<Buffer> turn = alice.post("/v1/chat", tiny(tokens(23)).put("conversation_id", id));
    assertEquals(200, turn.statusCode(), turn.bodyAsString());
    assertEquals(6, fake.lastCall().messages().size());
    assertEquals(6, turn.bodyAsJsonObject().getJsonObject("context").getInteger("messages_included"));
  }

  @Test
  @DisplayName("One token over: a 24-token message pushes the oldest stored message out, whole")
  void oneTokenOver() {
    List<String> ids = new ArrayList<>();
    String id = conversationWithHistory(ids);
    JsonObject dry = alice.post("/v1/conversations/" + id + "/context", tiny(tokens(24))).bodyAsJsonObject();
    assertEquals(5, dry.getInteger("messages_included"));
    assertEquals(1, dry.getInteger("messages_dropped"));
    assertEquals("token_budget", dry.getString("dropped_reason"));
    assertEquals(ids.get(1), dry.getJsonArray("messages").getJsonObject(0).getString("id"));

    JsonObject turn = alice.post("/v1/chat", tiny(tokens(24)).put("conversation_id", id)).bodyAsJsonObject();
    assertEquals(1, turn.getJsonObject("context").getInteger("messages_dropped"));
    JsonArray sent = fake.lastCall().messages();
    assertEquals(5, sent.size());
    assertEquals("assistant", sent.getJsonObject(0).getString("role"));
    assertEquals(tokens(24), sent.getJsonObject(4).getString("content"));
  }

  @Test
  @DisplayName("A new message that alone does not fit is 422, and nothing is stored or sent")
  void oversized() {
    List<String> ids = new ArrayList<>();
    String id = conversationWithHistory(ids);
    assertEquals(422, alice.post("/v1/conversations/" + id + "/context", tiny(tokens(144))).statusCode());
    HttpResponse<Buffer> turn = alice.post("/v1/chat", tiny(tokens(144)).put("conversation_id", id));
    assertEquals(422, turn.statusCode());
    assertEquals("application/problem+json", turn.getHeader("Content-Type"));
    assertEquals(5, alice.get("/v1/conversations/" + id).bodyAsJsonObject().getInteger("message_count"));
    assertEquals(0, fake.chatCalls().size());
    // 143 tokens cost 147: exactly the room, so it goes alone.
    assertEquals(200, alice.post("/v1/chat", tiny(tokens(143)).put("conversation_id", id)).statusCode());
    assertEquals(1, fake.lastCall().messages().size());
  }

  @Test
  @DisplayName("A context longer than one read page: every stored message goes, in order, once; last_n 1 sends the new message alone")
  void contextAcrossPages() {
    Http bob = Http.as(server, "bob-context-pages");
    String id = bob.newConversation();
    int stored = 300; // the first read takes 64 messages, the next ones 128 and 256
    for (int batch = 0; batch < stored / 20; batch++) {
      JsonArray messages = new JsonArray();
      for (int i = 0; i < 20; i++) {
        int n = batch * 20 + i + 1;
        messages.add(new JsonObject().put("role", n % 2 == 1 ? "user" : "assistant").put("content", "message " + n));
      }
      assertEquals(201, bob.post("/v1/conversations/" + id + "/messages", new JsonObject().put("messages", messages))
          .statusCode());
    }
    HttpResponse<Buffer> turn = bob.post("/v1/chat", new JsonObject().put("conversation_id", id).put("message", "and now?"));
    assertEquals(200, turn.statusCode(), turn.bodyAsString());
    JsonArray sent = fake.lastCall().messages();
    assertEquals(stored + 1, sent.size());
    for (int n = 1; n <= stored; n++) {
      assertEquals("message " + n, sent.getJsonObject(n - 1).getString("content"));
    }
    assertEquals("and now?", sent.getJsonObject(stored).getString("content"));
    assertEquals(stored + 1, turn.bodyAsJsonObject().getJsonObject("context").getInteger("messages_included"));

    bob.post("/v1/chat", new JsonObject().put("conversation_id", id).put("message", "alone")
        .put("context", new JsonObject().put("strategy", "last_n").put("last_n", 1)));
    assertEquals(new JsonArray().add(new JsonObject().put("role", "user").put("content", "alone")), fake.lastCall().messages());
  }

  @Test
  @DisplayName("last_n sends only the newest n messages")
  void lastN() {
    List<String> ids = new ArrayList<>();
    String id = conversationWithHistory(ids);
    JsonObject body = new JsonObject().put("conversation_id", id).put("message", "short")
        .put("context", new JsonObject().put("strategy", "last_n").put("last_n", 3));
    JsonObject dryBody = body.copy();
    dryBody.remove("conversation_id");
    JsonObject dry = alice.post("/v1/conversations/" + id + "/context", dryBody).bodyAsJsonObject();
    assertEquals("last_n", dry.getString("dropped_reason"));
    assertEquals(3, dry.getInteger("messages_included"));
    assertEquals(3, dry.getInteger("messages_dropped"));
    alice.post("/v1/chat", body);
    JsonArray sent = fake.lastCall().messages();
    assertEquals(3, sent.size());
    assertEquals("short", sent.getJsonObject(2).getString("content"));
  }

  @Test
  @DisplayName("A context-too-long answer is retried once with a tighter context")
  void contextTooLongRetriedTighter() {
    List<String> ids = new ArrayList<>();
    String id = conversationWithHistory(ids);
    fake.then(FakeProvider.Call::contextTooLong);
    HttpResponse<Buffer> turn = alice.post("/v1/chat", new JsonObject().put("conversation_id", id).put("message", "hi"));
    assertEquals(200, turn.statusCode(), turn.bodyAsString());
    List<FakeProvider.Call> calls = fake.calls();
    assertEquals(2, calls.size());
    assertTrue(calls.get(1).messages().size() < calls.get(0).messages().size());
    assertEquals("hi", calls.get(1).messages().getJsonObject(calls.get(1).messages().size() - 1).getString("content"));
    // Twice too long: the client hears it, once.
    fake.then(FakeProvider.Call::contextTooLong).then(FakeProvider.Call::contextTooLong);
    int before = fake.calls().size();
    assertEquals(422, alice.post("/v1/chat", new JsonObject().put("conversation_id", id).put("message", "again")).statusCode());
    assertEquals(before + 2, fake.calls().size());
  }

  @Test
  @DisplayName("summary: dropped messages are summarised in the background and the summary leads the next prompt")
  void rollingSummary() throws InterruptedException {
    List<String> ids = new ArrayList<>();
    String id = conversationWithHistory(ids);
    fake.fallback(call -> call.reply(call.body.getJsonArray("messages").encode().contains("Previous summary")
        ? "SUMMARY-OF-EARLIER" : "plain answer"));
    JsonObject summary = new JsonObject().put("strategy", "summary");
    JsonObject first = alice.post("/v1/chat", tiny(tokens(24)).put("conversation_id", id).put("context", summary)).bodyAsJsonObject();
    assertEquals(1, first.getJsonObject("context").getInteger("messages_dropped"));
    eventually(10_000, "the summary is stored",
        () -> server.sqlLong("SELECT count(*) FROM conversations WHERE summary = 'SUMMARY-OF-EARLIER'") > 0);
    assertEquals(1, server.sqlLong("SELECT summary_upto_seq FROM conversations WHERE id = '" + id + "'"));
    // History is never deleted.
    assertEquals(7, alice.get("/v1/conversations/" + id).bodyAsJsonObject().getInteger("message_count"));
    alice.post("/v1/chat", tiny("next question").put("conversation_id", id).put("context", summary));
    // The turn's own call: a background summary refresh may call the model after it.
    List<FakeProvider.Call> turns = fake.chatCalls();
    FakeProvider.Call call = turns.get(turns.size() - 1);
    JsonObject system = call.messages().getJsonObject(0);
    assertEquals("system", system.getString("role"));
    assertTrue(system.getString("content").contains("SUMMARY-OF-EARLIER"));
  }
}
