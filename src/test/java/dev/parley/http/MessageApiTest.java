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

class MessageApiTest {

  private static TestServer server;
  private static Http alice;
  private static String conversation;
  private static List<String> ids = new ArrayList<>();

  @BeforeAll
  static void start() {
    server = TestServer.start();
    alice = Http.as(server, "alice-messages");
    conversation = alice.newConversation();
    for (int batch = 0; batch < 2; batch++) {
      JsonArray messages = new JsonArray();
      for (int i = 0; i < 5; i++) {
        messages.add(new JsonObject().put("role", i % 2 == 0 ? "user" : "assistant").put("content", "m" + (batch * 5 + i + 1)));
      }
      JsonArray stored = alice.post(path(), new JsonObject().put("messages", messages)).bodyAsJsonObject().getJsonArray("data");
      for (Object m : stored) {
        ids.add(((JsonObject) m).getString("id"));
      }
    }
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  private static String path() {
    return "/v1/conversations/" + conversation + "/messages";
  }

  @Test
  @DisplayName("Append answers 201 with the stored messages, their seq and token counts")
  void appendAnswersStoredMessages() {
    Http bob = Http.as(server, "bob-append");
    String id = bob.newConversation();
    JsonObject body = new JsonObject().put("messages", new JsonArray()
        .add(new JsonObject().put("role", "user").put("content", "Hello world, this is a test.")
            .put("metadata", new JsonObject().put("client", "ios"))
            .put("sources", new JsonArray().add(new JsonObject().put("url", "https://example.org"))))
        .add(new JsonObject().put("role", "assistant").put("content", "")
            .put("tool_calls", new JsonArray().add(new JsonObject().put("id", "call_1").put("type", "function")
                .put("function", new JsonObject().put("name", "lookup").put("arguments", "{}"))))));
    HttpResponse<Buffer> response = bob.post("/v1/conversations/" + id + "/messages", body);
    assertEquals(201, response.statusCode());
    JsonObject list = response.bodyAsJsonObject();
    assertEquals("list", list.getString("object"));
    JsonObject first = list.getJsonArray("data").getJsonObject(0);
    JsonObject second = list.getJsonArray("data").getJsonObject(1);
    assertEquals("message", first.getString("object"));
    assertEquals(id, first.getString("conversation_id"));
    assertEquals(1L, first.getLong("seq"));
    assertEquals(2L, second.getLong("seq"));
    assertEquals("user", first.getString("role"));
    assertEquals("Hello world, this is a test.", first.getString("content"));
    assertEquals(8, first.getInteger("token_count"));
    assertEquals("ios", first.getJsonObject("metadata").getString("client"));
    assertEquals("https://example.org", first.getJsonArray("sources").getJsonObject(0).getString("url"));
    assertNull(first.getValue("model"));
    assertEquals("call_1", second.getJsonArray("tool_calls").getJsonObject(0).getString("id"));
    JsonObject c = bob.get("/v1/conversations/" + id).bodyAsJsonObject();
    assertEquals(2, c.getInteger("message_count"));
    // An answer's tool calls count: the model reads them back in later turns.
    assertTrue(second.getInteger("token_count") > 10, "tool calls are counted: " + second.getInteger("token_count"));
    assertEquals(8L + second.getInteger("token_count"), c.getLong("total_tokens"));
    // What the append answered is exactly what history reads back.
    assertEquals(list.getJsonArray("data"), bob.get("/v1/conversations/" + id + "/messages").bodyAsJsonObject().getJsonArray("data"));
  }

  @Test
  @DisplayName("History pages ascending with after, and the page past the end is empty")
  void pagesAscending() {
    JsonObject page1 = alice.get(path() + "?limit=4").bodyAsJsonObject();
    assertEquals(ids.subList(0, 4), ConversationApiTest.idsOf(page1));
    assertTrue(page1.getBoolean("has_more"));
    JsonObject page2 = alice.get(path() + "?limit=4&after=" + page1.getString("last_id")).bodyAsJsonObject();
    assertEquals(ids.subList(4, 8), ConversationApiTest.idsOf(page2));
    JsonObject page3 = alice.get(path() + "?limit=4&after=" + page2.getString("last_id")).bodyAsJsonObject();
    assertEquals(ids.subList(8, 10), ConversationApiTest.idsOf(page3));
    assertFalse(page3.getBoolean("has_more"));
    JsonObject empty = alice.get(path() + "?after=" + ids.get(9)).bodyAsJsonObject();
    assertTrue(empty.getJsonArray("data").isEmpty());
    assertNull(empty.getValue("first_id"));
  }

  @Test
  @DisplayName("History pages descending, newest first, with after")
  void pagesDescending() {
    JsonObject page1 = alice.get(path() + "?limit=3&order=desc").bodyAsJsonObject();
    assertEquals(List.of(ids.get(9), ids.get(8), ids.get(7)), ConversationApiTest.idsOf(page1));
    JsonObject page2 = alice.get(path() + "?limit=3&order=desc&after=" + page1.getString("last_id")).bodyAsJsonObject();
    assertEquals(List.of(ids.get(6), ids.get(5), ids.get(4)), ConversationApiTest.idsOf(page2));
  }

  @Test
  @DisplayName("before gives the messages nearest before the cursor, in the page's order")
  void pagesBefore() {
    JsonObject asc = alice.get(path() + "?limit=3&before=" + ids.get(6)).bodyAsJsonObject();
    assertEquals(List.of(ids.get(3), ids.get(4), ids.get(5)), ConversationApiTest.idsOf(asc));
    assertTrue(asc.getBoolean("has_more"));
    JsonObject desc = alice.get(path() + "?limit=3&order=desc&before=" + ids.get(2)).bodyAsJsonObject();
    assertEquals(List.of(ids.get(5), ids.get(4), ids.get(3)), ConversationApiTest.idsOf(desc));
    JsonObject between = alice.get(path() + "?after=" + ids.get(1) + "&before=" + ids.get(5)).bodyAsJsonObject();
    assertEquals(ids.subList(2, 5), ConversationApiTest.idsOf(between));
    JsonObject start = alice.get(path() + "?limit=5&before=" + ids.get(2)).bodyAsJsonObject();
    assertEquals(ids.subList(0, 2), ConversationApiTest.idsOf(start));
    assertFalse(start.getBoolean("has_more"));
  }

  @Test
  @DisplayName("A cursor that is not a message of this conversation is a 400 naming the parameter")
  void foreignCursor() {
    HttpResponse<Buffer> response = alice.get(path() + "?after=" + conversation);
    assertEquals(400, response.statusCode());
    assertEquals("/after", response.bodyAsJsonObject().getJsonArray("errors").getJsonObject(0).getString("pointer"));
  }

  @Test
  @DisplayName("limit outside 1..100 and an unknown order are 400")
  void badPagingParameters() {
    assertEquals(400, alice.get(path() + "?limit=0").statusCode());
    assertEquals(400, alice.get(path() + "?limit=101").statusCode());
    assertEquals(400, alice.get(path() + "?order=sideways").statusCode());
    assertEquals(10, alice.get(path() + "?limit=100").bodyAsJsonObject().getJsonArray("data").size());
  }

  @Test
  @DisplayName("Appending to a missing conversation is a 404 and stores nothing")
  void appendToMissing() {
    HttpResponse<Buffer> response = alice.post("/v1/conversations/6f1e2d3c-0000-4000-8000-000000000001/messages",
        new JsonObject().put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", "x"))));
    assertEquals(404, response.statusCode());
    assertEquals("application/problem+json", response.getHeader("Content-Type"));
  }
}
