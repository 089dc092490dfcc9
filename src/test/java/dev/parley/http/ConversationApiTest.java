package dev.parley.http;

import dev.parley.support.Http;
import dev.parley.support.TestServer;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConversationApiTest {

  private static TestServer server;

  @BeforeAll
  static void start() {
    server = TestServer.start();
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  @Test
  @DisplayName("POST /v1/conversations creates a conversation with every documented field")
  void createsConversation() {
    Http alice = Http.as(server, "alice-create");
    HttpResponse<Buffer> response = alice.post("/v1/conversations",
        new JsonObject().put("title", "Trip plans").put("metadata", new JsonObject().put("app", "web")));
    assertEquals(201, response.statusCode());
    assertEquals("application/json", response.getHeader("Content-Type"));
    JsonObject c = response.bodyAsJsonObject();
    assertEquals("conversation", c.getString("object"));
    assertEquals("Trip plans", c.getString("title"));
    assertEquals("web", c.getJsonObject("metadata").getString("app"));
    assertEquals(0, c.getInteger("message_count"));
    assertEquals(0L, c.getLong("total_tokens"));
    assertFalse(c.getBoolean("archived"));
    assertTrue(c.getString("created_at").endsWith("Z"));
    assertEquals(c, alice.get("/v1/conversations/" + c.getString("id")).bodyAsJsonObject());
  }

  @Test
  @DisplayName("Creating with messages stores them and titles the conversation from the first user message")
  void createsWithMessagesAndAutoTitle() {
    Http alice = Http.as(server, "alice-title");
    JsonObject body = new JsonObject().put("messages", new JsonArray()
        .add(new JsonObject().put("role", "system").put("content", "You are terse."))
        .add(new JsonObject().put("role", "user").put("content",
            "How do I keep my sourdough starter alive while travelling for two weeks?")));
    JsonObject c = alice.post("/v1/conversations", body).bodyAsJsonObject();
    assertEquals("How do I keep my sourdough starter alive while", c.getString("title"));
    assertEquals(2, c.getInteger("message_count"));
    assertTrue(c.getLong("total_tokens") > 10);
    JsonArray messages = alice.get("/v1/conversations/" + c.getString("id") + "/messages")
        .bodyAsJsonObject().getJsonArray("data");
    assertEquals(2, messages.size());
    assertEquals("system", messages.getJsonObject(0).getString("role"));
  }

  @Test
  @DisplayName("A conversation without a title gets one from its first appended user message")
  void titleFromFirstAppend() {
    Http alice = Http.as(server, "alice-title-append");
    String id = alice.newConversation();
    assertNull(alice.get("/v1/conversations/" + id).bodyAsJsonObject().getString("title"));
    alice.post("/v1/conversations/" + id + "/messages", new JsonObject().put("messages", new JsonArray()
        .add(new JsonObject().put("role", "user").put("content", "  Short   question  "))));
    assertEquals("Short question", alice.get("/v1/conversations/" + id).bodyAsJsonObject().getString("title"));
    alice.post("/v1/conversations/" + id + "/messages", new JsonObject().put("messages", new JsonArray()
        .add(new JsonObject().put("role", "user").put("content", "Another one"))));
    assertEquals("Short question", alice.get("/v1/conversations/" + id).bodyAsJsonObject().getString("title"));
  }

  @Test
  @DisplayName("A user's title is never replaced by an automatic one")
  void userTitleWins() {
    Http alice = Http.as(server, "alice-user-title");
    String id = alice.newConversation(new JsonObject().put("title", "Mine"));
    alice.post("/v1/conversations/" + id + "/messages", new JsonObject().put("messages", new JsonArray()
        .add(new JsonObject().put("role", "user").put("content", "Something else"))));
    assertEquals("Mine", alice.get("/v1/conversations/" + id).bodyAsJsonObject().getString("title"));
  }

  @Test
  @DisplayName("GET /v1/conversations lists newest activity first with keyset cursors")
  void listsNewestActivityFirst() {
    Http bob = Http.as(server, "bob-list");
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      ids.add(bob.newConversation(new JsonObject().put("title", "c" + i)));
    }
    // Activity on the oldest moves it to the front.
    bob.post("/v1/conversations/" + ids.get(0) + "/messages", new JsonObject().put("messages", new JsonArray()
        .add(new JsonObject().put("role", "user").put("content", "bump"))));
    JsonObject page1 = bob.get("/v1/conversations?limit=2").bodyAsJsonObject();
    assertEquals("list", page1.getString("object"));
    assertEquals(List.of(ids.get(0), ids.get(4)), idsOf(page1));
    assertTrue(page1.getBoolean("has_more"));
    assertEquals(ids.get(0), page1.getString("first_id"));
    assertEquals(ids.get(4), page1.getString("last_id"));
    JsonObject page2 = bob.get("/v1/conversations?limit=2&after=" + page1.getString("last_id")).bodyAsJsonObject();
    assertEquals(List.of(ids.get(3), ids.get(2)), idsOf(page2));
    JsonObject page3 = bob.get("/v1/conversations?limit=2&after=" + page2.getString("last_id")).bodyAsJsonObject();
    assertEquals(List.of(ids.get(1)), idsOf(page3));
    assertFalse(page3.getBoolean("has_more"));
    assertEquals(5, bob.get("/v1/conversations").bodyAsJsonObject().getJsonArray("data").size());
  }

  @Test
  @DisplayName("An unknown list cursor is a 400, not an empty page")
  void unknownCursor() {
    Http bob = Http.as(server, "bob-cursor");
    bob.newConversation();
    HttpResponse<Buffer> response = bob.get("/v1/conversations?after=00000000-0000-0000-0000-000000000000");
    assertEquals(400, response.statusCode());
    assertEquals("/after", response.bodyAsJsonObject().getJsonArray("errors").getJsonObject(0).getString("pointer"));
  }

  @Test
  @DisplayName("PATCH changes title, metadata and archived; archived ones list only with archived=true")
  void patchesAndArchives() {
    Http carol = Http.as(server, "carol-patch");
    String id = carol.newConversation(new JsonObject().put("title", "Old"));
    String other = carol.newConversation(new JsonObject().put("title", "Other"));
    HttpResponse<Buffer> patched = carol.patch("/v1/conversations/" + id, new JsonObject()
        .put("title", "New").put("metadata", new JsonObject().put("k", "v")).put("archived", true));
    assertEquals(200, patched.statusCode());
    JsonObject c = patched.bodyAsJsonObject();
    assertEquals("New", c.getString("title"));
    assertEquals(new JsonObject().put("k", "v"), c.getJsonObject("metadata"));
    assertTrue(c.getBoolean("archived"));
    assertEquals(List.of(other), idsOf(carol.get("/v1/conversations").bodyAsJsonObject()));
    assertEquals(List.of(id), idsOf(carol.get("/v1/conversations?archived=true").bodyAsJsonObject()));
    carol.patch("/v1/conversations/" + id, new JsonObject().put("archived", false));
    assertEquals(2, carol.get("/v1/conversations").bodyAsJsonObject().getJsonArray("data").size());
    // Fields left out stay as they were.
    assertEquals("New", carol.get("/v1/conversations/" + id).bodyAsJsonObject().getString("title"));
  }

  @Test
  @DisplayName("DELETE soft-deletes: afterwards the conversation is 404 on every path and gone from lists")
  void deletes() {
    Http dave = Http.as(server, "dave-delete");
    String id = dave.newConversation(new JsonObject().put("messages", new JsonArray()
        .add(new JsonObject().put("role", "user").put("content", "hi"))));
    assertEquals(204, dave.delete("/v1/conversations/" + id).statusCode());
    assertEquals(404, dave.get("/v1/conversations/" + id).statusCode());
    assertEquals(404, dave.get("/v1/conversations/" + id + "/messages").statusCode());
    assertEquals(404, dave.patch("/v1/conversations/" + id, new JsonObject().put("title", "x")).statusCode());
    assertEquals(404, dave.post("/v1/conversations/" + id + "/messages", new JsonObject().put("messages",
        new JsonArray().add(new JsonObject().put("role", "user").put("content", "x")))).statusCode());
    assertEquals(404, dave.delete("/v1/conversations/" + id).statusCode());
    assertTrue(dave.get("/v1/conversations").bodyAsJsonObject().getJsonArray("data").isEmpty());
  }

  @Test
  @DisplayName("DELETE /v1/users/me erases all of the user's data and nobody else's")
  void erasesUser() {
    Http erin = Http.as(server, "erin-erase");
    Http frank = Http.as(server, "frank-keep");
    String erins = erin.newConversation(new JsonObject().put("title", "e"));
    String franks = frank.newConversation(new JsonObject().put("title", "f"));
    assertEquals(204, erin.delete("/v1/users/me").statusCode());
    assertEquals(404, erin.get("/v1/conversations/" + erins).statusCode());
    assertTrue(erin.get("/v1/conversations").bodyAsJsonObject().getJsonArray("data").isEmpty());
    assertEquals(200, frank.get("/v1/conversations/" + franks).statusCode());
  }

  static List<String> idsOf(JsonObject list) {
    List<String> ids = new ArrayList<>();
    for (Object o : list.getJsonArray("data")) {
      ids.add(((JsonObject) o).getString("id"));
    }
    return ids;
  }
}
