package dev.parley.chat;

import dev.parley.support.ChatFixtures;
import dev.parley.support.Eventually;
import dev.parley.support.FakeProvider;
import dev.parley.support.Http;
import dev.parley.support.Sse;
import dev.parley.support.SseFollower;
import dev.parley.support.TestServer;
import dev.parley.support.TestServices;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static dev.parley.support.TestServer.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Streamed turns that a client follows again: after a disconnect (Last-Event-ID on the same POST,
 * or GET /v1/chat/turns/{id}/events), from another node sharing Redis, and after the node running
 * it stopped (a turn log whose heartbeat is gone). Without Redis: 410 with the stored answer.
 */
class ResumableTurnTest {

  private static FakeProvider fake;
  private static TestServer a;
  private static TestServer b;
  private static TestServer noRedis;

  @BeforeAll
  static void start() {
    fake = new FakeProvider();
    Map<String, String> redis = Map.of("PARLEY_REDIS_URL", TestServices.redisUrl());
    a = TestServer.start(ChatFixtures.env(fake, redis));
    java.util.HashMap<String, String> second = new java.util.HashMap<>(ChatFixtures.env(fake, redis));
    second.put("PARLEY_PG_URL", a.env().get("PARLEY_PG_URL"));
    b = TestServer.start(second);
    noRedis = TestServer.start(ChatFixtures.env(fake, Map.of()));
  }

  @AfterAll
  static void stop() {
    a.close();
    b.close();
    noRedis.close();
    fake.close();
  }

  private static String chat(TestServer node) {
    return "http://127.0.0.1:" + node.port() + "/v1/chat";
  }

  private static List<String> pieces(int n) {
    List<String> pieces = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      pieces.add("p" + i + " ");
    }
    return pieces;
  }

  /** Reads events until {@code count} deltas have come (or the stream ended); returns them all. */
  private static List<Sse.Event> read(SseFollower stream, int deltas) {
    List<Sse.Event> events = new ArrayList<>();
    int seen = 0;
    while (seen < deltas) {
      Sse.Event e = stream.next(15);
      if (SseFollower.END.equals(e.name())) {
        break;
      }
      events.add(e);
      if ("delta".equals(e.name())) {
        seen++;
      }
    }
    return events;
  }

  private static List<Sse.Event> readToEnd(SseFollower stream) {
    List<Sse.Event> events = new ArrayList<>();
    for (Sse.Event e = stream.next(15); !SseFollower.END.equals(e.name()); e = stream.next(15)) {
      events.add(e);
    }
    return events;
  }

  @Test
  @DisplayName("A client that reconnects with Last-Event-ID gets the rest of the same turn; the model is called once")
  void reconnectGetsTheRest() {
    List<String> answer = pieces(20);
    fake.then(call -> call.reply(answer, 60, -1));
    int callsBefore = fake.chatCalls().size();
    JsonObject body = new JsonObject().put("message", "tell me twenty things").put("stream", true);
    List<Sse.Event> first;
    try (SseFollower stream = SseFollower.post(chat(a), a.bearer("rita"), null, body)) {
      assertEquals(200, stream.status());
      first = read(stream, 4);
    }
    assertEquals("turn", first.get(0).name());
    String turn = first.get(0).data().getString("turn_id");
    String lastId = first.get(first.size() - 1).id();
    assertTrue(lastId.startsWith(turn + ":"), lastId);

    List<Sse.Event> rest;
    try (SseFollower again = SseFollower.post(chat(a), a.bearer("rita"), lastId, body)) {
      assertEquals(200, again.status());
      rest = readToEnd(again);
    }
    long n = Long.parseLong(lastId.substring(turn.length() + 1));
    for (Sse.Event e : rest) {
      assertEquals(turn + ":" + (++n), e.id(), "the ids go on where the first stream stopped");
    }
    Sse.Event end = rest.get(rest.size() - 1);
    assertEquals("message", end.name());
    assertEquals(String.join("", answer), Sse.deltas(first) + Sse.deltas(rest), "nothing missed, nothing twice");
    assertEquals("complete", end.data().getJsonObject("message").getString("status"), "the turn ran on, detached");
    assertEquals(callsBefore + 1, fake.chatCalls().size(), "never a second turn");
    String conversation = end.data().getString("conversation_id");
    assertEquals(2, Http.as(a, "rita").get("/v1/conversations/" + conversation).bodyAsJsonObject().getInteger("message_count"));

    // Another device, on the other node, follows the same turn from the start.
    try (SseFollower other = SseFollower.open("http://127.0.0.1:" + b.port() + "/v1/chat/turns/" + turn + "/events",
        b.bearer("rita"), null)) {
      List<Sse.Event> replay = readToEnd(other);
      assertEquals("turn", replay.get(0).name());
      assertEquals(String.join("", answer), Sse.deltas(replay));
      assertEquals(end.data().getJsonObject("message"), replay.get(replay.size() - 1).data().getJsonObject("message"));
    }
    try (SseFollower mallory = SseFollower.open("http://127.0.0.1:" + b.port() + "/v1/chat/turns/" + turn + "/events",
        b.bearer("mallory"), null)) {
      assertEquals(404, mallory.status());
    }
    try (SseFollower bad = SseFollower.post(chat(a), a.bearer("rita"), "not-an-event-id", body)) {
      assertEquals(400, bad.status());
    }
  }

  @Test
  @DisplayName("DELETE /v1/chat/turns/{id} stops a running turn (closing the stream does not): the answer so far is stored as interrupted")
  void cancel() {
    fake.then(call -> call.reply(pieces(60), 50, -1));
    List<Sse.Event> events;
    String turn;
    try (SseFollower stream = SseFollower.post(chat(a), a.bearer("vic"), null,
        new JsonObject().put("message", "go on and on").put("stream", true))) {
      events = read(stream, 3);
      turn = events.get(0).data().getString("turn_id");
      assertEquals(404, Http.as(a, "mallory").delete("/v1/chat/turns/" + turn).statusCode(), "not another user's");
      assertEquals(204, Http.as(a, "vic").delete("/v1/chat/turns/" + turn).statusCode());
      events.addAll(readToEnd(stream));
    }
    Sse.Event end = events.get(events.size() - 1);
    assertEquals("message", end.name());
    JsonObject stored = end.data().getJsonObject("message");
    assertEquals("interrupted", stored.getString("status"));
    assertEquals(Sse.deltas(events), stored.getString("content"));
    assertTrue(stored.getString("content").length() < String.join("", pieces(60)).length());
    assertEquals(404, Http.as(a, "vic").delete("/v1/chat/turns/" + turn).statusCode(), "the turn has ended");
  }

  @Test
  @DisplayName("A turn whose node stopped beating is taken over: the follower gets the answer so far, stored once as interrupted")
  void takeOverFromADeadNode() {
    Http alice = Http.as(a, "tom");
    String conversation = alice.newConversation();
    JsonObject user = alice.post("/v1/conversations/" + conversation + "/messages", new JsonObject().put("messages",
        new JsonArray().add(ChatFixtures.userMessage("a question")))).bodyAsJsonObject().getJsonArray("data").getJsonObject(0);
    String turn = user.getString("id");
    // What a node that died mid-answer leaves in Redis: the turn, two deltas, no end, no heartbeat.
    Redis redis = Redis.createClient(a.clientVertx(), TestServices.redisUrl());
    String key = "parley:turn:{" + turn + "}";
    List<JsonObject> events = List.of(
        new JsonObject().put("n", 1).put("name", "turn").put("data", new JsonObject().put("turn_id", turn)
            .put("conversation_id", conversation).put("user_message", user)),
        new JsonObject().put("n", 2).put("name", "delta").put("data", new JsonObject().put("content", "Half an ")),
        new JsonObject().put("n", 3).put("name", "delta").put("data", new JsonObject().put("content", "answer")));
    for (JsonObject e : events) {
      await(redis.send(Request.cmd(Command.XADD).arg(key).arg("0-" + e.getLong("n")).arg("e").arg(e.encode())));
    }
    await(redis.send(Request.cmd(Command.SET).arg(key + ":owner").arg("tom").arg("PX").arg(60_000)));
    await(redis.send(Request.cmd(Command.PEXPIRE).arg(key).arg(60_000)));
    redis.close();

    String url = "http://127.0.0.1:" + b.port() + "/v1/chat/turns/" + turn + "/events";
    List<Sse.Event> followed;
    try (SseFollower follower = SseFollower.open(url, b.bearer("tom"), turn + ":1")) {
      followed = readToEnd(follower);
    }
    assertEquals(List.of("delta", "delta", "message"), followed.stream().map(Sse.Event::name).toList());
    JsonObject stored = followed.get(2).data().getJsonObject("message");
    assertEquals("Half an answer", stored.getString("content"));
    assertEquals("interrupted", stored.getString("status"));
    assertNull(followed.get(2).data().getValue("usage"));
    // A second follower reads the same end; the answer was stored once.
    try (SseFollower again = SseFollower.open(url, a.bearer("tom"), null)) {
      List<Sse.Event> all = readToEnd(again);
      assertEquals(stored, all.get(all.size() - 1).data().getJsonObject("message"));
    }
    assertEquals(2, alice.get("/v1/conversations/" + conversation).bodyAsJsonObject().getInteger("message_count"));
  }

  @Test
  @DisplayName("Without Redis a disconnect cancels the turn; a reconnect is a clear 410 with the stored partial answer")
  void withoutRedis() {
    fake.then(call -> call.reply(pieces(40), 50, -1));
    JsonObject body = new JsonObject().put("message", "long answer please").put("stream", true);
    List<Sse.Event> first;
    try (SseFollower stream = SseFollower.post(chat(noRedis), noRedis.bearer("una"), null, body)) {
      first = read(stream, 3);
    }
    String turn = first.get(0).data().getString("turn_id");
    String lastId = first.get(first.size() - 1).id();
    JsonObject problem = Eventually.eventuallyGet(10_000, "the interrupted answer is stored", () -> {
      try (SseFollower again = SseFollower.post(chat(noRedis), noRedis.bearer("una"), lastId, body)) {
        assertEquals(410, again.status());
        JsonObject p = again.problem();
        return p.getValue("message") == null ? java.util.Optional.empty() : java.util.Optional.of(p);
      }
    });
    assertEquals("/problems/turn-gone", problem.getString("type"));
    assertEquals(turn, problem.getJsonObject("user_message").getString("id"));
    assertEquals("interrupted", problem.getJsonObject("message").getString("status"));
    assertTrue(problem.getJsonObject("message").getString("content").startsWith(Sse.deltas(first)));
  }

  @Test
  @DisplayName("Regenerating one message twice within the log's keep time: both answers are stored, and following the turn gives the newest")
  void regenerateTwice() {
    fake.then(call -> call.reply("A1"));
    JsonObject first = Http.as(a, "rosa").post("/v1/chat", new JsonObject().put("message", "Q1")).bodyAsJsonObject();
    String conversation = first.getString("conversation_id");
    String question = first.getJsonObject("user_message").getString("id");
    List<String> turns = new ArrayList<>();
    for (String answer : new String[] {"A1 again", "A1 once more"}) {
      fake.then(call -> call.reply(List.of(answer), 0, -1));
      JsonObject regenerate = new JsonObject().put("conversation_id", conversation).put("parent_id", question)
          .put("stream", true);
      try (SseFollower stream = SseFollower.post(chat(a), a.bearer("rosa"), null, regenerate)) {
        assertEquals(200, stream.status());
        List<Sse.Event> events = readToEnd(stream);
        assertEquals("message", events.get(events.size() - 1).name(), events.toString());
        assertEquals(answer, events.get(events.size() - 1).data().getJsonObject("message").getString("content"));
        turns.add(events.get(0).data().getString("turn_id"));
      }
    }
    JsonArray history = Http.as(a, "rosa").get("/v1/conversations/" + conversation + "/messages").bodyAsJsonObject()
        .getJsonArray("data");
    assertEquals("A1 once more", history.getJsonObject(history.size() - 1).getString("content"));
    try (SseFollower again = SseFollower.open("http://127.0.0.1:" + a.port() + "/v1/chat/turns/" + turns.get(1) + "/events",
        a.bearer("rosa"), null)) {
      assertEquals(200, again.status());
      List<Sse.Event> events = readToEnd(again);
      assertEquals("A1 once more", Sse.deltas(events), "the second regenerate's events, not the first's");
      assertEquals("A1 once more", events.get(events.size() - 1).data().getJsonObject("message").getString("content"));
    }
    assertFalse(turns.get(0).equals(turns.get(1)), "each regenerate is a turn of its own");
    assertFalse(turns.contains(question));

    // Without a turn log, following a regenerate's turn gives its own answer, and the message it answered.
    fake.then(call -> call.reply("B1"));
    JsonObject plain = Http.as(noRedis, "rosa").post("/v1/chat", new JsonObject().put("message", "Q2")).bodyAsJsonObject();
    fake.then(call -> call.reply(List.of("B1 again"), 0, -1));
    String turn;
    try (SseFollower stream = SseFollower.post(chat(noRedis), noRedis.bearer("rosa"), null, new JsonObject()
        .put("conversation_id", plain.getString("conversation_id"))
        .put("parent_id", plain.getJsonObject("user_message").getString("id")).put("stream", true))) {
      turn = readToEnd(stream).get(0).data().getString("turn_id");
    }
    JsonObject gone = Http.as(noRedis, "rosa").get("/v1/chat/turns/" + turn + "/events").bodyAsJsonObject();
    assertEquals(410, gone.getInteger("status"), gone.encode());
    assertEquals("B1 again", gone.getJsonObject("message").getString("content"));
    assertEquals(turn, gone.getJsonObject("message").getString("id"));
    assertEquals("Q2", gone.getJsonObject("user_message").getString("content"));
  }
}
