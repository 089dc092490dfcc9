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

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** GET /v1/search: ranked, highlighted, paged hits over the caller's own, undeleted messages only. */
class SearchTest {

  private static TestServer server;

  @BeforeAll
  static void start() {
    server = TestServer.start();
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  private static HttpResponse<Buffer> search(Http user, String q, String extra) {
    return user.get("/v1/search?q=" + URLEncoder.encode(q, StandardCharsets.UTF_8) + extra);
  }

  private static String conversation(Http user, String title, String... contents) {
    JsonArray messages = new JsonArray();
    for (String content : contents) {
      messages.add(new JsonObject().put("role", "user").put("content", content));
    }
    return user.newConversation(new JsonObject().put("title", title).put("messages", messages));
  }

  @Test
  @DisplayName("Hits are the caller's matching messages, best first, with a highlighted snippet and ids")
  void ranked() {
    Http alice = Http.as(server, "alice-search");
    String bread = conversation(alice, "Bread", "How long should sourdough proof overnight?",
        "Sourdough sourdough sourdough: the starter, the sourdough loaf and the sourdough crust.",
        "Nothing to see here.");
    conversation(alice, "Cars", "My car makes a noise when braking.");
    conversation(Http.as(server, "mallory-search"), "Mallory", "sourdough secrets of someone else");

    HttpResponse<Buffer> found = search(alice, "sourdough", "");
    assertEquals(200, found.statusCode(), found.bodyAsString());
    JsonArray hits = found.bodyAsJsonObject().getJsonArray("data");
    assertEquals(2, hits.size(), hits.encode());
    JsonObject best = hits.getJsonObject(0);
    assertEquals(bread, best.getString("conversation_id"));
    assertEquals("Bread", best.getString("conversation_title"));
    assertEquals(2L, best.getLong("seq"), "the message that says it most ranks first");
    assertTrue(best.getString("snippet").contains("<mark>Sourdough</mark>"), best.getString("snippet"));
    assertTrue(best.getDouble("rank") >= hits.getJsonObject(1).getDouble("rank"));
    assertFalse(found.bodyAsString().contains("someone else"), "never another user's messages");
    assertEquals(1, search(alice, "\"car makes\"", "").bodyAsJsonObject().getJsonArray("data").size(), "phrases");
    assertEquals(1, search(alice, "sourdough -overnight", "").bodyAsJsonObject().getJsonArray("data").size(), "exclusion");
    assertTrue(search(alice, "nonexistentword", "").bodyAsJsonObject().getJsonArray("data").isEmpty());
  }

  @Test
  @DisplayName("Deleted messages and conversations are never found")
  void deletedNeverFound() {
    Http bob = Http.as(server, "bob-search");
    String gone = conversation(bob, "Gone", "pineapple pizza opinions");
    String kept = conversation(bob, "Kept", "pineapple upside-down cake", "pineapple smoothie");
    assertEquals(3, search(bob, "pineapple", "").bodyAsJsonObject().getJsonArray("data").size());
    assertEquals(204, bob.delete("/v1/conversations/" + gone).statusCode());
    String smoothie = bob.get("/v1/conversations/" + kept + "/messages").bodyAsJsonObject().getJsonArray("data")
        .getJsonObject(1).getString("id");
    assertEquals(204, bob.delete("/v1/conversations/" + kept + "/messages/" + smoothie).statusCode());
    JsonArray hits = search(bob, "pineapple", "").bodyAsJsonObject().getJsonArray("data");
    assertEquals(1, hits.size(), hits.encode());
    assertTrue(hits.getJsonObject(0).getString("snippet").contains("cake"));
  }

  @Test
  @DisplayName("Pages follow the next cursor: every hit once, in rank order; bad input is a 400 problem")
  void pages() {
    Http carol = Http.as(server, "carol-search");
    List<String> contents = new ArrayList<>();
    for (int i = 0; i < 25; i++) {
      contents.add("lighthouse " + "keeper ".repeat(i % 5) + "number " + i);
    }
    conversation(carol, "Lighthouses", contents.subList(0, 20).toArray(new String[0]));
    conversation(carol, "More lighthouses", contents.subList(20, 25).toArray(new String[0]));
    Set<String> seen = new HashSet<>();
    String next = null;
    double lastRank = Double.MAX_VALUE;
    int pages = 0;
    do {
      JsonObject page = search(carol, "lighthouse", "&limit=7" + (next == null ? "" : "&after=" + next)).bodyAsJsonObject();
      for (Object o : page.getJsonArray("data")) {
        JsonObject hit = (JsonObject) o;
        assertTrue(seen.add(hit.getString("message_id")), "each hit once");
        assertTrue(hit.getDouble("rank") <= lastRank + 1e-6, "rank order across pages");
        lastRank = hit.getDouble("rank");
      }
      next = page.getString("next");
      assertEquals(page.getBoolean("has_more"), next != null);
      pages++;
    } while (next != null);
    assertEquals(25, seen.size());
    assertEquals(4, pages);

    assertEquals(400, carol.get("/v1/search").statusCode());
    assertEquals(400, search(carol, "x".repeat(201), "").statusCode());
    assertEquals(400, search(carol, "lighthouse", "&limit=51").statusCode());
    HttpResponse<Buffer> badCursor = search(carol, "lighthouse", "&after=not-a-cursor");
    assertEquals(400, badCursor.statusCode());
    assertEquals("application/problem+json", badCursor.getHeader("Content-Type"));
    assertNull(search(carol, "lighthouse", "&limit=50").bodyAsJsonObject().getValue("next"));
  }
}
