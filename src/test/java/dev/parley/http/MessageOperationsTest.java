package dev.parley.http;

import dev.parley.support.ChatFixtures;
import dev.parley.support.FakeProvider;
import dev.parley.support.Http;
import dev.parley.support.TestServer;
import dev.parley.support.TestServices;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One message at a time: read, metadata patch, soft delete (hidden from history, from the context
 * sent to models and from the counters, with every other seq unchanged), and selected_text — with
 * the Redis history cache and the near cache on, so a cached page never outlives a change.
 */
class MessageOperationsTest {

  private static FakeProvider fake;
  private static TestServer server;

  @BeforeAll
  static void start() {
    fake = new FakeProvider();
    Map<String, String> env = new HashMap<>(ChatFixtures.env(fake, Map.of()));
    env.put("PARLEY_REDIS_URL", TestServices.redisUrl());
    server = TestServer.start(env);
  }

  @AfterAll
  static void stop() {
    server.close();
    fake.close();
  }

  /** A conversation of {@code n} messages m1..mn; returns the stored messages. */
  private static List<JsonObject> conversation(Http user, int n) {
    String id = user.newConversation();
    JsonArray messages = new JsonArray();
    for (int i = 1; i <= n; i++) {
      messages.add(new JsonObject().put("role", i % 2 == 1 ? "user" : "assistant").put("content", "m" + i));
    }
    HttpResponse<Buffer> stored = user.post("/v1/conversations/" + id + "/messages", new JsonObject().put("messages", messages));
    assertEquals(201, stored.statusCode(), stored.bodyAsString());
    List<JsonObject> out = new ArrayList<>();
    stored.bodyAsJsonObject().getJsonArray("data").forEach(m -> out.add((JsonObject) m));
    return out;
  }

  private static String path(JsonObject message) {
    return "/v1/conversations/" + message.getString("conversation_id") + "/messages/" + message.getString("id");
  }

  private static List<String> history(Http user, String conversation, String query) {
    HttpResponse<Buffer> page = user.get("/v1/conversations/" + conversation + "/messages" + query);
    assertEquals(200, page.statusCode(), page.bodyAsString());
    List<String> contents = new ArrayList<>();
    page.bodyAsJsonObject().getJsonArray("data").forEach(m -> contents.add(((JsonObject) m).getString("content")));
    return contents;
  }

  @Test
  @DisplayName("GET one message; another user's, an unknown and a malformed id answer 404 / 400 and reveal nothing")
  void getOne() {
    Http alice = Http.as(server, "alice-one");
    List<JsonObject> messages = conversation(alice, 3);
    JsonObject second = messages.get(1);
    HttpResponse<Buffer> got = alice.get(path(second));
    assertEquals(200, got.statusCode(), got.bodyAsString());
    assertEquals(second, got.bodyAsJsonObject());
    assertEquals(404, Http.as(server, "mallory-one").get(path(second)).statusCode());
    String conversation = second.getString("conversation_id");
    assertEquals(404, alice.get("/v1/conversations/" + conversation + "/messages/" + UUID.randomUUID()).statusCode());
    // A message id of another of the user's conversations is not a message of this one.
    JsonObject elsewhere = conversation(alice, 1).get(0);
    assertEquals(404, alice.get("/v1/conversations/" + conversation + "/messages/" + elsewhere.getString("id")).statusCode());
    HttpResponse<Buffer> malformed = alice.get("/v1/conversations/" + conversation + "/messages/not-a-uuid");
    assertEquals(400, malformed.statusCode());
    assertEquals("application/problem+json", malformed.getHeader("Content-Type"));
  }

  @Test
  @DisplayName("DELETE one message: gone from history (cached or not), GET and the context; counters drop; seqs stay")
  void deleteOne() {
    Http bob = Http.as(server, "bob-delete");
    List<JsonObject> messages = conversation(bob, 5);
    String conversation = messages.get(0).getString("conversation_id");
    JsonObject before = bob.get("/v1/conversations/" + conversation).bodyAsJsonObject();
    assertEquals(5, before.getInteger("message_count"));
    // Cache the pages first: the delete must retire them.
    assertEquals(List.of("m1", "m2", "m3", "m4", "m5"), history(bob, conversation, ""));
    assertEquals(List.of("m1", "m2", "m3", "m4", "m5"), history(bob, conversation, ""));
    assertEquals(List.of("m5", "m4", "m3", "m2", "m1"), history(bob, conversation, "?order=desc"));

    JsonObject third = messages.get(2);
    assertEquals(404, Http.as(server, "mallory-delete").delete(path(third)).statusCode(),
        "another user's message is not found");
    assertEquals(5, bob.get("/v1/conversations/" + conversation).bodyAsJsonObject().getInteger("message_count"));
    assertEquals(204, bob.delete(path(third)).statusCode());
    assertEquals(404, bob.delete(path(third)).statusCode(), "a deleted message is not found again");
    assertEquals(404, bob.get(path(third)).statusCode());

    assertEquals(List.of("m1", "m2", "m4", "m5"), history(bob, conversation, ""));
    assertEquals(List.of("m5", "m4", "m2", "m1"), history(bob, conversation, "?order=desc"));
    assertEquals(List.of("m4", "m5"), history(bob, conversation, "?after=" + messages.get(1).getString("id")));
    // A cursor that names the deleted message still marks its place.
    assertEquals(List.of("m4", "m5"), history(bob, conversation, "?after=" + third.getString("id")));
    JsonObject after = bob.get("/v1/conversations/" + conversation).bodyAsJsonObject();
    assertEquals(4, after.getInteger("message_count"));
    assertEquals(before.getLong("total_tokens") - third.getLong("token_count"), after.getLong("total_tokens"));
    assertEquals(4L, bob.get(path(messages.get(3))).bodyAsJsonObject().getLong("seq"), "seq unchanged");

    JsonObject dry = bob.post("/v1/conversations/" + conversation + "/context", new JsonObject().put("message", "next"))
        .bodyAsJsonObject();
    assertEquals(5, dry.getInteger("messages_included"), dry.encode());
    assertEquals(0, dry.getInteger("messages_dropped"), dry.encode());
    fake.reset();
    HttpResponse<Buffer> turn = bob.post("/v1/chat", new JsonObject().put("conversation_id", conversation).put("message", "next"));
    assertEquals(200, turn.statusCode(), turn.bodyAsString());
    List<String> sent = new ArrayList<>();
    fake.lastCall().messages().forEach(m -> sent.add(((JsonObject) m).getString("content")));
    assertEquals(List.of("m1", "m2", "m4", "m5", "next"), sent);
    assertEquals(6L, turn.bodyAsJsonObject().getJsonObject("user_message").getLong("seq"), "new messages go on after seq 5");
  }

  @Test
  @DisplayName("PATCH a message's metadata replaces it, shows in history at once; bad metadata is a 400 that changes nothing")
  void patchMetadata() {
    Http carol = Http.as(server, "carol-patch");
    List<JsonObject> messages = conversation(carol, 2);
    String conversation = messages.get(0).getString("conversation_id");
    history(carol, conversation, ""); // cached
    JsonObject first = messages.get(0);
    HttpResponse<Buffer> patched = carol.patch(path(first), new JsonObject().put("metadata", new JsonObject().put("rating", 5)));
    assertEquals(200, patched.statusCode(), patched.bodyAsString());
    assertEquals(new JsonObject().put("rating", 5), patched.bodyAsJsonObject().getJsonObject("metadata"));
    assertEquals("m1", patched.bodyAsJsonObject().getString("content"));
    JsonObject listed = carol.get("/v1/conversations/" + conversation + "/messages").bodyAsJsonObject()
        .getJsonArray("data").getJsonObject(0);
    assertEquals(new JsonObject().put("rating", 5), listed.getJsonObject("metadata"));

    assertEquals(400, carol.patch(path(first), new JsonObject()).statusCode());
    assertEquals(400, carol.patch(path(first), new JsonObject().put("metadata", new JsonObject()
        .put("nested", new JsonObject().put("a", 1)))).statusCode());
    assertEquals(400, carol.patch(path(first), new JsonObject().put("metadata", new JsonObject())
        .put("content", "rewritten")).statusCode());
    assertEquals(404, Http.as(server, "mallory-patch").patch(path(first), new JsonObject()
        .put("metadata", new JsonObject().put("rating", 1))).statusCode());
    assertEquals(new JsonObject().put("rating", 5), carol.get(path(first)).bodyAsJsonObject().getJsonObject("metadata"));
  }

  @Test
  @DisplayName("selected_text is stored beside sources, in appends and chat turns, shown everywhere, never sent to the model")
  void selectedText() {
    Http dave = Http.as(server, "dave-selected");
    String conversation = dave.newConversation();
    JsonArray sources = new JsonArray().add(new JsonObject().put("url", "https://example.org/doc"));
    HttpResponse<Buffer> appended = dave.post("/v1/conversations/" + conversation + "/messages", new JsonObject()
        .put("messages", new JsonArray()
            .add(new JsonObject().put("role", "user").put("content", "explain this").put("sources", sources)
                .put("selected_text", "the highlighted words"))
            .add(new JsonObject().put("role", "assistant").put("content", "sure"))));
    assertEquals(201, appended.statusCode(), appended.bodyAsString());
    JsonArray data = appended.bodyAsJsonObject().getJsonArray("data");
    assertEquals("the highlighted words", data.getJsonObject(0).getString("selected_text"));
    assertTrue(data.getJsonObject(1).containsKey("selected_text"));
    assertNull(data.getJsonObject(1).getValue("selected_text"));
    JsonObject listed = dave.get("/v1/conversations/" + conversation + "/messages").bodyAsJsonObject()
        .getJsonArray("data").getJsonObject(0);
    assertEquals("the highlighted words", listed.getString("selected_text"));
    assertEquals(sources, listed.getJsonArray("sources"));

    fake.reset();
    HttpResponse<Buffer> turn = dave.post("/v1/chat", new JsonObject().put("conversation_id", conversation)
        .put("message", new JsonObject().put("content", "and this?").put("selected_text", "second selection")));
    assertEquals(200, turn.statusCode(), turn.bodyAsString());
    assertEquals("second selection", turn.bodyAsJsonObject().getJsonObject("user_message").getString("selected_text"));
    assertFalse(fake.lastCall().body.encode().contains("selection"), "selected text is not sent to the model");
    assertFalse(fake.lastCall().body.encode().contains("highlighted"), "selected text is not sent to the model");

    assertEquals(400, dave.post("/v1/conversations/" + conversation + "/messages", new JsonObject().put("messages",
        new JsonArray().add(new JsonObject().put("role", "user").put("content", "x").put("selected_text", 7))))
        .statusCode());
    assertEquals(4, dave.get("/v1/conversations/" + conversation).bodyAsJsonObject().getInteger("message_count"),
        "two appended, two from the turn; the bad append changed nothing");
  }
}
