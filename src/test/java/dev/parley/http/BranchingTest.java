package dev.parley.http;

import dev.parley.support.ChatFixtures;
import dev.parley.support.FakeProvider;
import dev.parley.support.Http;
import dev.parley.support.Sse;
import dev.parley.support.SseFollower;
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
import java.util.Map;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * Branching over real HTTP: an edit or a regenerate forks the conversation instead of overwriting
 * it; history and context follow the current branch; other branches stay readable and selectable;
 * seq stays the write order; fork copies a path into a new conversation; export and import keep
 * every branch.
 */
class BranchingTest {

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

  private static JsonObject turn(Http user, JsonObject body, String answer) {
    fake.then(call -> call.reply(answer));
    HttpResponse<Buffer> response = user.post("/v1/chat", body);
    assertEquals(200, response.statusCode(), response.bodyAsString());
    return response.bodyAsJsonObject();
  }

  private static List<String> contents(JsonArray messages) {
    List<String> out = new ArrayList<>();
    messages.forEach(m -> out.add(((JsonObject) m).getString("content")));
    return out;
  }

  private static List<String> history(Http user, String conversation, String query) {
    HttpResponse<Buffer> response = user.get("/v1/conversations/" + conversation + "/messages?limit=100" + query);
    assertEquals(200, response.statusCode(), response.bodyAsString());
    return contents(response.bodyAsJsonObject().getJsonArray("data"));
  }

  /** Q1 → A1, Q2 → A2: the conversation and its four messages. */
  private static List<JsonObject> twoTurns(Http user) {
    JsonObject first = turn(user, new JsonObject().put("message", "Q1"), "A1");
    String conversation = first.getString("conversation_id");
    JsonObject second = turn(user, new JsonObject().put("conversation_id", conversation).put("message", "Q2"), "A2");
    return List.of(first.getJsonObject("user_message"), first.getJsonObject("message"),
        second.getJsonObject("user_message"), second.getJsonObject("message"));
  }

  @Test
  @DisplayName("Edit and regenerate fork the conversation; history and context follow the current branch; the others stay")
  void editRegenerateAndSwitch() {
    String aliceId = "alice-branch-" + UUID.randomUUID();
    Http alice = Http.as(server, aliceId);
    List<JsonObject> m = twoTurns(alice);
    String conversation = m.get(0).getString("conversation_id");

    // Edit Q2: the new message goes on after A1, on branch 1.
    JsonObject edited = turn(alice, new JsonObject().put("conversation_id", conversation)
        .put("parent_id", m.get(1).getString("id")).put("message", "Q2 edited"), "A2 for the edit");
    assertEquals(List.of("Q1", "A1", "Q2 edited"), contents(fake.lastCall().messages()), "the context is the new branch's");
    JsonObject q2b = edited.getJsonObject("user_message");
    assertEquals(5L, q2b.getLong("seq"), "seq stays the write order");
    assertEquals(1, q2b.getInteger("branch"));
    assertEquals(List.of("Q1", "A1", "Q2 edited", "A2 for the edit"), history(alice, conversation, ""));
    JsonObject head = alice.get("/v1/conversations/" + conversation).bodyAsJsonObject();
    assertEquals(1, head.getInteger("current_branch"));
    assertEquals(4, head.getInteger("message_count"), "the counters are the current path's");

    // Regenerate the edited question's answer: branch 2 starts after it.
    JsonObject again = turn(alice, new JsonObject().put("conversation_id", conversation)
        .put("parent_id", q2b.getString("id")), "A2 regenerated");
    assertEquals(List.of("Q1", "A1", "Q2 edited"), contents(fake.lastCall().messages()));
    assertEquals(q2b.getString("id"), again.getJsonObject("user_message").getString("id"), "a regenerate answers its parent");
    assertEquals(2, again.getJsonObject("message").getInteger("branch"));
    assertEquals(List.of("Q1", "A1", "Q2 edited", "A2 regenerated"), history(alice, conversation, ""));
    assertEquals(List.of("A2 regenerated", "Q2 edited"), history(alice, conversation, "&order=desc&limit=2").subList(0, 2));
    // Following the edit's turn again finds the answer now after its question: the regenerated one.
    HttpResponse<Buffer> followed = alice.get("/v1/chat/turns/" + q2b.getString("id") + "/events");
    assertEquals(410, followed.statusCode(), followed.bodyAsString());
    assertEquals("A2 regenerated", followed.bodyAsJsonObject().getJsonObject("message").getString("content"));

    // Every branch stays readable; the list tells where each starts.
    assertEquals(List.of("Q1", "A1", "Q2", "A2"), history(alice, conversation, "&branch=0"));
    assertEquals(List.of("Q1", "A1", "Q2 edited", "A2 for the edit"), history(alice, conversation, "&branch=1"));
    assertEquals(7, history(alice, conversation, "&branch=all").size());
    JsonObject branches = alice.get("/v1/conversations/" + conversation + "/branches").bodyAsJsonObject();
    assertEquals(2, branches.getInteger("current_branch"));
    JsonArray data = branches.getJsonArray("data");
    assertEquals(3, data.size());
    assertEquals(m.get(1).getString("id"), data.getJsonObject(1).getString("fork_message_id"));
    assertEquals(q2b.getString("id"), data.getJsonObject(2).getString("fork_message_id"));
    assertEquals(1, data.getJsonObject(2).getInteger("parent_branch"));
    assertNull(data.getJsonObject(0).getValue("fork_message_id"));

    // A device following the conversation from the start gets the current branch's messages only.
    String url = "http://127.0.0.1:" + server.port() + "/v1/conversations/" + conversation + "/events";
    try (SseFollower follower = SseFollower.open(url, server.bearer(aliceId), null)) {
      List<String> seen = new ArrayList<>();
      while (seen.size() < 4) {
        Sse.Event event = follower.next(10);
        if ("message".equals(event.name())) {
          seen.add(event.data().getString("content"));
        }
      }
      assertEquals(List.of("Q1", "A1", "Q2 edited", "A2 regenerated"), seen);
      for (Sse.Event more = follower.poll(300); more != null; more = follower.poll(300)) {
        assertFalse("message".equals(more.name()), "nothing of the other branches: " + more);
      }
    }

    // Back to the original branch: history, counters and the next turn's context follow it.
    HttpResponse<Buffer> switched = alice.patch("/v1/conversations/" + conversation, new JsonObject().put("current_branch", 0));
    assertEquals(200, switched.statusCode(), switched.bodyAsString());
    assertEquals(0, switched.bodyAsJsonObject().getInteger("current_branch"));
    assertEquals(4, switched.bodyAsJsonObject().getInteger("message_count"));
    assertEquals(List.of("Q1", "A1", "Q2", "A2"), history(alice, conversation, ""));
    JsonObject next = turn(alice, new JsonObject().put("conversation_id", conversation).put("message", "Q3"), "A3");
    assertEquals(List.of("Q1", "A1", "Q2", "A2", "Q3"), contents(fake.lastCall().messages()));
    assertEquals(0, next.getJsonObject("message").getInteger("branch"));
    assertEquals(9L, next.getJsonObject("message").getLong("seq"));

    // A dry run follows the current branch too.
    JsonObject dry = alice.post("/v1/conversations/" + conversation + "/context", new JsonObject()).bodyAsJsonObject();
    assertEquals(6, dry.getJsonArray("messages").size(), dry.encodePrettily());

    // Deleting a message of another branch leaves the current path's counters alone.
    alice.delete("/v1/conversations/" + conversation + "/messages/" + q2b.getString("id"));
    assertEquals(6, alice.get("/v1/conversations/" + conversation).bodyAsJsonObject().getInteger("message_count"));

    // Bad input: a branch the conversation does not have, a parent from elsewhere.
    assertEquals(400, alice.patch("/v1/conversations/" + conversation, new JsonObject().put("current_branch", 7)).statusCode());
    assertEquals(400, alice.post("/v1/chat", new JsonObject().put("conversation_id", conversation)
        .put("parent_id", UUID.randomUUID().toString()).put("message", "x")).statusCode());
    assertEquals(6, alice.get("/v1/conversations/" + conversation).bodyAsJsonObject().getInteger("message_count"));
    assertEquals(0, alice.get("/v1/conversations/" + conversation).bodyAsJsonObject().getInteger("current_branch"));
  }

  @Test
  @DisplayName("POST …/branches goes on after a message on a new branch; appends then grow it; a retry changes nothing")
  void branchForAppends() {
    Http bob = Http.as(server, "bob-branch-" + UUID.randomUUID());
    String conversation = bob.newConversation();
    JsonArray appended = bob.post("/v1/conversations/" + conversation + "/messages", new JsonObject().put("messages",
        new JsonArray().add(ChatFixtures.userMessage("one")).add(ChatFixtures.userMessage("two"))
            .add(ChatFixtures.userMessage("three")))).bodyAsJsonObject().getJsonArray("data");
    JsonObject after = new JsonObject().put("message_id", appended.getJsonObject(0).getString("id"));
    HttpResponse<Buffer> made = bob.post("/v1/conversations/" + conversation + "/branches", after);
    assertEquals(201, made.statusCode(), made.bodyAsString());
    assertEquals(1, made.bodyAsJsonObject().getInteger("branch"));
    assertEquals(List.of("one"), history(bob, conversation, ""));
    HttpResponse<Buffer> retried = bob.post("/v1/conversations/" + conversation + "/branches", after);
    assertEquals(200, retried.statusCode(), "an empty branch after the same message is reused");
    assertEquals(1, retried.bodyAsJsonObject().getInteger("branch"));
    bob.post("/v1/conversations/" + conversation + "/messages", new JsonObject().put("messages",
        new JsonArray().add(ChatFixtures.userMessage("two, differently"))));
    assertEquals(List.of("one", "two, differently"), history(bob, conversation, ""));
    // At the current path's newest message there is nothing to fork.
    String newest = bob.get("/v1/conversations/" + conversation + "/messages?order=desc&limit=1").bodyAsJsonObject()
        .getJsonArray("data").getJsonObject(0).getString("id");
    assertEquals(200, bob.post("/v1/conversations/" + conversation + "/branches",
        new JsonObject().put("message_id", newest)).statusCode());
    assertEquals(2, bob.get("/v1/conversations/" + conversation + "/branches").bodyAsJsonObject().getJsonArray("data").size());
  }

  @Test
  @DisplayName("Fork copies the path up to a message into a new conversation that says where it came from")
  void fork() {
    Http carol = Http.as(server, "carol-branch-" + UUID.randomUUID());
    List<JsonObject> m = twoTurns(carol);
    String conversation = m.get(0).getString("conversation_id");
    JsonObject edited = turn(carol, new JsonObject().put("conversation_id", conversation)
        .put("parent_id", m.get(1).getString("id")).put("message", "Q2 other"), "A2 other");
    HttpResponse<Buffer> forked = carol.post("/v1/conversations/" + conversation + "/fork",
        new JsonObject().put("message_id", edited.getJsonObject("user_message").getString("id")));
    assertEquals(201, forked.statusCode(), forked.bodyAsString());
    JsonObject copy = forked.bodyAsJsonObject();
    assertEquals(new JsonObject().put("conversation_id", conversation)
        .put("message_id", edited.getJsonObject("user_message").getString("id")), copy.getJsonObject("forked_from"));
    assertEquals(3, copy.getInteger("message_count"));
    JsonArray messages = carol.get("/v1/conversations/" + copy.getString("id") + "/messages").bodyAsJsonObject().getJsonArray("data");
    assertEquals(List.of("Q1", "A1", "Q2 other"), contents(messages));
    assertEquals(3L, messages.getJsonObject(2).getLong("seq"));
    assertEquals(List.of("Q1", "A1", "Q2 other", "A2 other"), history(carol, conversation, ""), "the source is unchanged");
    assertEquals(404, Http.as(server, "mallory").post("/v1/conversations/" + conversation + "/fork",
        new JsonObject().put("message_id", m.get(0).getString("id"))).statusCode());
  }

  @Test
  @DisplayName("Export and import keep every branch, the current one and the history along each")
  void exportImportKeepsBranches() {
    Http dave = Http.as(server, "dave-branch-" + UUID.randomUUID());
    List<JsonObject> m = twoTurns(dave);
    String conversation = m.get(0).getString("conversation_id");
    turn(dave, new JsonObject().put("conversation_id", conversation).put("parent_id", m.get(1).getString("id"))
        .put("message", "Q2 edited"), "A2 edited");
    String export = dave.get("/v1/users/me/export").bodyAsString();

    Http erin = Http.as(server, "erin-branch-" + UUID.randomUUID());
    HttpResponse<Buffer> imported = erin.request(io.vertx.core.http.HttpMethod.POST, "/v1/users/me/import")
        .putHeader("Content-Type", "application/x-ndjson").sendBuffer(Buffer.buffer(export))
        .toCompletionStage().toCompletableFuture().join();
    assertEquals(200, imported.statusCode(), imported.bodyAsString());
    String copy = erin.get("/v1/conversations").bodyAsJsonObject().getJsonArray("data").getJsonObject(0).getString("id");
    assertEquals(history(dave, conversation, ""), history(erin, copy, ""));
    assertEquals(history(dave, conversation, "&branch=0"), history(erin, copy, "&branch=0"));
    assertEquals(history(dave, conversation, "&branch=all"), history(erin, copy, "&branch=all"));
    assertEquals(dave.get("/v1/conversations/" + conversation).bodyAsJsonObject().getInteger("message_count"),
        erin.get("/v1/conversations/" + copy).bodyAsJsonObject().getInteger("message_count"));
    assertEquals(1, erin.get("/v1/conversations/" + copy).bodyAsJsonObject().getInteger("current_branch"));
  }
}
