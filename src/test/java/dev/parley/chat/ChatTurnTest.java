package dev.parley.chat;

import dev.parley.support.ChatFixtures;
import dev.parley.support.FakeProvider;
import dev.parley.support.Http;
import dev.parley.support.Sse;
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

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Full chat turns against a fake provider speaking each real wire protocol, JSON and SSE. */
class ChatTurnTest {

  private static FakeProvider fake;
  private static TestServer server;

  @BeforeAll
  static void start() {
    fake = new FakeProvider();
    server = TestServer.start(ChatFixtures.env(fake, Map.of()));
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

  @Test
  @DisplayName("A turn without conversation_id creates one, stores both messages with seq, tokens, model and usage")
  void fullTurn() {
    Http alice = Http.as(server, "alice-chat");
    HttpResponse<Buffer> response = alice.post("/v1/chat", new JsonObject()
        .put("message", "What is the capital of France?").put("system", "Be brief."));
    assertEquals(200, response.statusCode(), response.bodyAsString());
    JsonObject turn = response.bodyAsJsonObject();
    String conversation = turn.getString("conversation_id");
    assertEquals(1L, turn.getJsonObject("user_message").getLong("seq"));
    assertEquals("What is the capital of France?", turn.getJsonObject("user_message").getString("content"));
    assertEquals(7, turn.getJsonObject("user_message").getInteger("token_count"));
    JsonObject message = turn.getJsonObject("message");
    assertEquals(2L, message.getLong("seq"));
    assertEquals("assistant", message.getString("role"));
    assertEquals("Hello from the fake model.", message.getString("content"));
    assertEquals("fake-gpt", message.getString("model"));
    assertEquals("complete", message.getString("status"));
    assertTrue(message.getInteger("token_count") > 0);
    assertEquals(new JsonObject().put("prompt_tokens", FakeProvider.PROMPT_TOKENS)
        .put("completion_tokens", FakeProvider.COMPLETION_TOKENS)
        .put("total_tokens", FakeProvider.PROMPT_TOKENS + FakeProvider.COMPLETION_TOKENS), turn.getJsonObject("usage"));
    assertEquals(1, turn.getJsonObject("context").getInteger("messages_included"));

    FakeProvider.Call call = fake.lastCall();
    assertEquals("fake-gpt-upstream", call.body.getString("model"));
    assertEquals("Bearer sk-test-openai-canary", call.request.getHeader("Authorization"));
    assertEquals(new JsonArray()
        .add(new JsonObject().put("role", "system").put("content", "Be brief."))
        .add(new JsonObject().put("role", "user").put("content", "What is the capital of France?")), call.messages());

    JsonObject stored = alice.get("/v1/conversations/" + conversation).bodyAsJsonObject();
    assertEquals(2, stored.getInteger("message_count"));
    assertEquals("What is the capital of France?", stored.getString("title"));
    JsonArray history = alice.get("/v1/conversations/" + conversation + "/messages").bodyAsJsonObject().getJsonArray("data");
    assertEquals(message, history.getJsonObject(1));

    // The next turn carries the history, oldest first.
    JsonObject next = alice.post("/v1/chat", new JsonObject().put("conversation_id", conversation)
        .put("message", new JsonObject().put("content", "And of Italy?").put("metadata", new JsonObject().put("k", "v"))))
        .bodyAsJsonObject();
    assertEquals(3L, next.getJsonObject("user_message").getLong("seq"));
    assertEquals("v", next.getJsonObject("user_message").getJsonObject("metadata").getString("k"));
    assertEquals(4L, next.getJsonObject("message").getLong("seq"));
    assertEquals(3, fake.lastCall().messages().size());
    assertEquals("assistant", fake.lastCall().messages().getJsonObject(1).getString("role"));
  }

  @Test
  @DisplayName("Anthropic Messages: JSON turn with system on top, x-api-key and version headers")
  void anthropicTurn() {
    Http alice = Http.as(server, "alice-anthropic");
    JsonObject turn = alice.post("/v1/chat", new JsonObject().put("message", "Hi Claude").put("model", "claude-fake")
        .put("system", "You are kind.")).bodyAsJsonObject();
    assertEquals("Hello from the fake model.", turn.getJsonObject("message").getString("content"));
    assertEquals("claude-fake", turn.getJsonObject("message").getString("model"));
    assertEquals(FakeProvider.PROMPT_TOKENS, turn.getJsonObject("usage").getInteger("prompt_tokens"));
    FakeProvider.Call call = fake.lastCall();
    assertTrue(call.anthropic);
    assertEquals("sk-ant-test-canary", call.request.getHeader("x-api-key"));
    assertEquals("2023-06-01", call.request.getHeader("anthropic-version"));
    assertEquals("You are kind.", call.body.getString("system"));
    assertEquals(1, call.messages().size());
  }

  @Test
  @DisplayName("Streaming (OpenAI and Anthropic): delta events with ids, then the whole turn; usage from the stream")
  void streaming() {
    for (String model : List.of("fake-gpt", "claude-fake")) {
      fake.then(call -> call.reply(List.of("Hel", "lo ", "world"), 0, -1));
      Http alice = Http.as(server, "alice-stream");
      HttpResponse<Buffer> response = alice.post("/v1/chat", new JsonObject().put("message", "Say hello")
          .put("model", model).put("stream", true));
      assertEquals(200, response.statusCode());
      assertTrue(response.getHeader("Content-Type").startsWith("text/event-stream"));
      List<Sse.Event> events = Sse.parse(response.bodyAsString());
      assertEquals("Hello world", Sse.deltas(events));
      Sse.Event turn = events.get(0);
      assertEquals("turn", turn.name());
      String turnId = turn.data().getString("turn_id");
      assertEquals(turn.data().getJsonObject("user_message").getString("id"), turnId, "the turn id is its user message's id");
      for (int i = 0; i < events.size(); i++) {
        assertEquals(turnId + ":" + (i + 1), events.get(i).id());
      }
      Sse.Event last = events.get(events.size() - 1);
      assertEquals("message", last.name());
      assertEquals("Hello world", last.data().getJsonObject("message").getString("content"));
      assertEquals(FakeProvider.COMPLETION_TOKENS, last.data().getJsonObject("usage").getInteger("completion_tokens"));
      assertEquals(FakeProvider.PROMPT_TOKENS, last.data().getJsonObject("usage").getInteger("prompt_tokens"));
      assertTrue(fake.lastCall().streaming());
    }
  }

  @Test
  @DisplayName("Errors before streaming starts keep their status: a missing conversation is a plain 404 problem")
  void streamingEarlyError() {
    HttpResponse<Buffer> response = Http.as(server, "alice-stream-404").post("/v1/chat", new JsonObject()
        .put("conversation_id", "00000000-0000-4000-8000-000000000000").put("message", "hi").put("stream", true));
    assertEquals(404, response.statusCode());
    assertEquals("application/problem+json", response.getHeader("Content-Type"));
  }

  @Test
  @DisplayName("Compact chat endpoint: {conversation_id, response, tool_calls}; 403 for another user's path; 401 without token")
  void seedEndpoint() {
    Http bob = Http.as(server, "bob-compact");
    HttpResponse<Buffer> ok = bob.post("/api/bob-compact/chat", new JsonObject().put("message", "hello"));
    assertEquals(200, ok.statusCode(), ok.bodyAsString());
    JsonObject body = ok.bodyAsJsonObject();
    assertEquals(Set3.of("conversation_id", "response", "tool_calls"), body.fieldNames());
    assertEquals("Hello from the fake model.", body.getString("response"));
    assertEquals(new JsonArray(), body.getJsonArray("tool_calls"));
    JsonObject again = bob.post("/api/bob-compact/chat", new JsonObject().put("conversation_id", body.getString("conversation_id"))
        .put("message", "more")).bodyAsJsonObject();
    assertEquals(body.getString("conversation_id"), again.getString("conversation_id"));
    assertEquals(403, bob.post("/api/alice/chat", new JsonObject().put("message", "hello")).statusCode());
    assertEquals(401, Http.withAuthorization(server, null).post("/api/bob-compact/chat", new JsonObject().put("message", "x")).statusCode());
    assertEquals(2, fake.calls().size());
  }

  @Test
  @DisplayName("An idempotent retry of a turn is answered from the first: one provider call, one pair of messages")
  void idempotentTurn() {
    Http carol = Http.as(server, "carol-idem-chat");
    JsonObject body = new JsonObject().put("message", "only once please");
    HttpResponse<Buffer> first = carol.post("/v1/chat", body, "turn-1");
    HttpResponse<Buffer> retry = carol.post("/v1/chat", body, "turn-1");
    assertEquals(200, first.statusCode());
    assertNull(first.getHeader("Idempotent-Replayed"));
    assertEquals("true", retry.getHeader("Idempotent-Replayed"));
    assertEquals(first.bodyAsJsonObject(), retry.bodyAsJsonObject());
    assertEquals(1, fake.calls().size());
    String conversation = first.bodyAsJsonObject().getString("conversation_id");
    assertEquals(2, carol.get("/v1/conversations/" + conversation).bodyAsJsonObject().getInteger("message_count"));
    assertEquals(422, carol.post("/v1/chat", new JsonObject().put("message", "another"), "turn-1").statusCode());
  }

  /** How many transactions wrote the conversation's row, its messages and the user's idempotency key. */
  private static long writers(String conversation, String owner, String key) {
    return server.sqlLong("SELECT count(DISTINCT x) FROM ("
        + "SELECT xmin::text AS x FROM messages WHERE conversation_id = '" + conversation + "'"
        + " UNION ALL SELECT xmin::text FROM conversations WHERE id = '" + conversation + "'"
        + " UNION ALL SELECT xmin::text FROM idempotency_keys WHERE owner = '" + owner + "' AND key = '" + key + "') t");
  }

  @Test
  @DisplayName("A turn commits once after the model answers: conversation, user message, answer and key in one "
      + "transaction; a failed model call keeps the user message alone, with the failure as the key's answer")
  void oneCommitPerTurn() {
    Http erin = Http.as(server, "erin-one-commit");
    HttpResponse<Buffer> first = erin.post("/v1/chat", new JsonObject().put("message", "start something"), "commit-1");
    assertEquals(200, first.statusCode(), first.bodyAsString());
    String conversation = first.bodyAsJsonObject().getString("conversation_id");
    assertEquals(1, writers(conversation, "erin-one-commit", "commit-1"), "the new conversation's turn");

    HttpResponse<Buffer> second = erin.post("/v1/chat", new JsonObject().put("conversation_id", conversation)
        .put("message", "and go on"), "commit-2");
    assertEquals(200, second.statusCode(), second.bodyAsString());
    assertEquals(3L, second.bodyAsJsonObject().getJsonObject("user_message").getLong("seq"));
    assertEquals(1, server.sqlLong("SELECT count(DISTINCT x) FROM (SELECT xmin::text AS x FROM messages WHERE conversation_id = '"
        + conversation + "' AND seq > 2 UNION ALL SELECT xmin::text FROM conversations WHERE id = '" + conversation
        + "' UNION ALL SELECT xmin::text FROM idempotency_keys WHERE owner = 'erin-one-commit' AND key = 'commit-2') t"),
        "the second turn's messages, the counters and the key");

    fake.then(call -> call.status(400, null, new JsonObject().put("error", new JsonObject().put("message", "no"))));
    HttpResponse<Buffer> failed = erin.post("/v1/chat", new JsonObject().put("conversation_id", conversation)
        .put("message", "this one fails"), "commit-3");
    assertTrue(failed.statusCode() >= 400, failed.bodyAsString());
    JsonArray history = erin.get("/v1/conversations/" + conversation + "/messages").bodyAsJsonObject().getJsonArray("data");
    assertEquals(5, history.size(), history.encode());
    assertEquals("this one fails", history.getJsonObject(4).getString("content"));
    assertEquals(1, server.sqlLong("SELECT count(DISTINCT x) FROM (SELECT xmin::text AS x FROM messages WHERE conversation_id = '"
        + conversation + "' AND seq = 5 UNION ALL SELECT xmin::text FROM idempotency_keys WHERE owner = 'erin-one-commit'"
        + " AND key = 'commit-3') t"), "the user message and the failure under the key");
    HttpResponse<Buffer> replay = erin.post("/v1/chat", new JsonObject().put("conversation_id", conversation)
        .put("message", "this one fails"), "commit-3");
    assertEquals(failed.statusCode(), replay.statusCode());
    assertEquals(failed.bodyAsJsonObject().getString("type"), replay.bodyAsJsonObject().getString("type"));
    assertEquals(5, erin.get("/v1/conversations/" + conversation).bodyAsJsonObject().getInteger("message_count"));
  }

  @Test
  @DisplayName("A turn that fails before the model is called writes nothing and leaves its key free")
  void failureBeforeTheModelWritesNothing() {
    Http frank = Http.as(server, "frank-nothing");
    String conversation = Http.as(server, "grace-owner").post("/v1/conversations", new JsonObject())
        .bodyAsJsonObject().getString("id");
    HttpResponse<Buffer> foreign = frank.post("/v1/chat", new JsonObject().put("conversation_id", conversation)
        .put("message", "not mine"), "nothing-1");
    assertEquals(404, foreign.statusCode(), foreign.bodyAsString());
    assertEquals(0, fake.calls().size());
    assertEquals(0, server.sqlLong("SELECT count(*) FROM messages WHERE conversation_id = '" + conversation + "'"));
    assertEquals(0, server.sqlLong("SELECT count(*) FROM idempotency_keys WHERE owner = 'frank-nothing'"));
    HttpResponse<Buffer> reused = frank.post("/v1/chat", new JsonObject().put("message", "mine now"), "nothing-1");
    assertEquals(200, reused.statusCode(), "the key is free for another request: " + reused.bodyAsString());
  }

  @Test
  @DisplayName("Bad chat input is a 400 problem and calls nobody")
  void badInput() {
    Http dave = Http.as(server, "dave-bad-chat");
    assertEquals(400, dave.post("/v1/chat", new JsonObject()).statusCode());
    assertEquals(400, dave.post("/v1/chat", new JsonObject().put("message", "")).statusCode());
    assertEquals(400, dave.post("/v1/chat", new JsonObject().put("message", "x").put("model", "nope")).statusCode());
    assertEquals(400, dave.post("/v1/chat", new JsonObject().put("message", "x").put("max_output_tokens", 5000)).statusCode());
    assertEquals(400, dave.post("/v1/chat", new JsonObject().put("message", "x")
        .put("context", new JsonObject().put("strategy", "magic"))).statusCode());
    assertEquals(400, dave.postRaw("/v1/chat", "{\"message\":\"a\\u0000b\"}").statusCode());
    assertEquals(0, fake.calls().size());
    assertTrue(dave.get("/v1/conversations").bodyAsJsonObject().getJsonArray("data").isEmpty());
    assertNotNull(dave);
  }

  /** Set.of with a readable name in assertions. */
  private static final class Set3 {
    static java.util.Set<String> of(String... names) {
      return java.util.Set.of(names);
    }
  }
}
