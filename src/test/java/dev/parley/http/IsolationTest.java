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

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** No user can see or touch another user's objects; theirs answer exactly like missing ones. */
class IsolationTest {

  private static final String MISSING = "0b7d5f7e-1111-4222-8333-444455556666";

  private static TestServer server;
  private static Http alice;
  private static Http bob;
  private static String conversation;
  private static String message;

  @BeforeAll
  static void start() {
    server = TestServer.start();
    alice = Http.as(server, "alice");
    bob = Http.as(server, "bob");
    conversation = alice.newConversation(new JsonObject().put("title", "secret").put("messages",
        new JsonArray().add(new JsonObject().put("role", "user").put("content", "alice's secret"))));
    message = alice.get("/v1/conversations/" + conversation + "/messages").bodyAsJsonObject()
        .getJsonArray("data").getJsonObject(0).getString("id");
    bob.newConversation(new JsonObject().put("title", "bob's"));
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  @Test
  @DisplayName("Every method on another user's conversation answers 404 with the body of a missing one")
  void everyMethodIs404() {
    String path = "/v1/conversations/" + conversation;
    String missing = "/v1/conversations/" + MISSING;
    JsonObject append = new JsonObject().put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", "x")));
    assertSameAsMissing(bob.get(path), bob.get(missing));
    assertSameAsMissing(bob.patch(path, new JsonObject().put("title", "mine now")), bob.patch(missing, new JsonObject().put("title", "x")));
    assertSameAsMissing(bob.get(path + "/messages"), bob.get(missing + "/messages"));
    assertSameAsMissing(bob.post(path + "/messages", append), bob.post(missing + "/messages", append));
    assertSameAsMissing(bob.delete(path), bob.delete(missing));
    // Nothing changed for alice.
    JsonObject c = alice.get(path).bodyAsJsonObject();
    assertEquals("secret", c.getString("title"));
    assertEquals(1, c.getInteger("message_count"));
  }

  @Test
  @DisplayName("Another user's message id is no cursor, and lists never show another user's objects")
  void listsAreScoped() {
    JsonArray bobs = bob.get("/v1/conversations").bodyAsJsonObject().getJsonArray("data");
    assertEquals(1, bobs.size());
    assertEquals("bob's", bobs.getJsonObject(0).getString("title"));
    JsonArray alices = alice.get("/v1/conversations").bodyAsJsonObject().getJsonArray("data");
    assertEquals(1, alices.size());
    assertEquals(conversation, alices.getJsonObject(0).getString("id"));
    assertEquals(400, bob.get("/v1/conversations?after=" + conversation).statusCode());
    String bobsConversation = bobs.getJsonObject(0).getString("id");
    assertEquals(400, bob.get("/v1/conversations/" + bobsConversation + "/messages?after=" + message).statusCode());
  }

  @Test
  @DisplayName("Erasing one user leaves the other's data untouched")
  void eraseIsScoped() {
    Http carol = Http.as(server, "carol");
    carol.newConversation();
    assertEquals(204, carol.delete("/v1/users/me").statusCode());
    assertEquals(200, alice.get("/v1/conversations/" + conversation).statusCode());
  }

  private static void assertSameAsMissing(HttpResponse<Buffer> foreign, HttpResponse<Buffer> missing) {
    assertEquals(404, foreign.statusCode());
    assertEquals(missing.statusCode(), foreign.statusCode());
    assertEquals(missing.bodyAsJsonObject(), foreign.bodyAsJsonObject());
    assertTrue(!foreign.bodyAsString().contains("secret"));
  }
}
