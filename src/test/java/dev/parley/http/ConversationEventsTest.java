package dev.parley.http;

import dev.parley.bus.Addresses;
import dev.parley.bus.BusHeaders;
import dev.parley.bus.Replies;
import dev.parley.bus.Replies.ConversationEvent;
import dev.parley.bus.Requests;
import dev.parley.support.Eventually;
import dev.parley.support.Http;
import dev.parley.support.Sse;
import dev.parley.support.SseFollower;
import dev.parley.support.TestServer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.parley.support.TestServer.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** GET /v1/conversations/{id}/events and parley.conversations.follow, over real HTTP and the node's bus. */
class ConversationEventsTest {

  private static TestServer server;

  @BeforeAll
  static void start() {
    // A short keep-alive: pings show up, and the follow's idle look at the database runs often.
    server = TestServer.start(Map.of("PARLEY_CHAT_SSE_KEEPALIVE_MS", "400"));
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  private static String url(String conversation, String query) {
    return "http://127.0.0.1:" + server.port() + "/v1/conversations/" + conversation + "/events" + query;
  }

  private static void append(Http user, String conversation, String... contents) {
    JsonArray messages = new JsonArray();
    for (String content : contents) {
      messages.add(new JsonObject().put("role", "user").put("content", content));
    }
    var response = user.post("/v1/conversations/" + conversation + "/messages", new JsonObject().put("messages", messages));
    assertEquals(201, response.statusCode(), response.bodyAsString());
  }

  /** The next event that is not a conversation event (those may come at any point). */
  private static Sse.Event nextMessage(SseFollower follower) {
    while (true) {
      Sse.Event event = follower.next(10);
      if (!"conversation".equals(event.name())) {
        return event;
      }
    }
  }

  @Test
  @DisplayName("A follower gets the history after its seq, then each committed message live, in seq order, with id = seq")
  void liveInOrder() {
    Http alice = Http.as(server, "alice-follow");
    String conversation = alice.newConversation();
    append(alice, conversation, "one", "two");
    try (SseFollower follower = SseFollower.open(url(conversation, ""), server.bearer("alice-follow"), null)) {
      assertEquals(200, follower.status());
      assertTrue(follower.header("Content-Type").startsWith("text/event-stream"));
      Sse.Event first = follower.next(10);
      assertEquals("conversation", first.name());
      assertEquals(conversation, first.data().getString("id"));
      assertNull(first.id(), "the conversation event leaves the client's last event id alone");
      for (int seq = 1; seq <= 2; seq++) {
        Sse.Event event = nextMessage(follower);
        assertEquals("message", event.name());
        assertEquals(Integer.toString(seq), event.id());
        assertEquals(seq, Replies.Message.fromJson(event.data()).seq());
      }
      append(alice, conversation, "three");
      append(alice, conversation, "four", "five");
      List<String> contents = new ArrayList<>();
      for (int seq = 3; seq <= 5; seq++) {
        Sse.Event event = nextMessage(follower);
        assertEquals(Integer.toString(seq), event.id());
        contents.add(event.data().getString("content"));
      }
      assertEquals(List.of("three", "four", "five"), contents);

      alice.patch("/v1/conversations/" + conversation, new JsonObject().put("title", "Renamed"));
      Sse.Event renamed = follower.next(10);
      while (!"Renamed".equals(renamed.data() == null ? null : renamed.data().getString("title"))) {
        assertEquals("conversation", renamed.name());
        renamed = follower.next(10);
      }
      assertEquals("conversation", renamed.name());
      assertTrue(follower.poll(1_500) == null, "nothing else was committed");
      assertTrue(follower.comments() > 0, "keep-alive comments while idle");
    }
  }

  @Test
  @DisplayName("A reconnect with Last-Event-ID gets exactly the messages it missed, from any seq")
  void resumeWithLastEventId() {
    Http alice = Http.as(server, "alice-resume");
    String conversation = alice.newConversation();
    append(alice, conversation, "a", "b");
    String last;
    try (SseFollower follower = SseFollower.open(url(conversation, ""), server.bearer("alice-resume"), null)) {
      nextMessage(follower);
      last = nextMessage(follower).id();
    }
    assertEquals("2", last);
    append(alice, conversation, "c");
    append(alice, conversation, "d");
    try (SseFollower again = SseFollower.open(url(conversation, ""), server.bearer("alice-resume"), last)) {
      assertEquals("conversation", again.next(10).name());
      assertEquals("3", nextMessage(again).id());
      Sse.Event fourth = nextMessage(again);
      assertEquals("4", fourth.id());
      assertEquals("d", fourth.data().getString("content"));
      assertNull(again.poll(1_000), "nothing twice, nothing more");
    }
    try (SseFollower fromQuery = SseFollower.open(url(conversation, "?after_seq=3"), server.bearer("alice-resume"), null)) {
      assertEquals("conversation", fromQuery.next(10).name());
      assertEquals("4", nextMessage(fromQuery).id());
    }
  }

  @Test
  @DisplayName("A follow passes over deleted messages: the rest arrive in order, then live ones")
  void deletedMessagesArePassedOver() {
    Http alice = Http.as(server, "alice-deleted-follow");
    String conversation = alice.newConversation();
    append(alice, conversation, "a", "b", "c", "d");
    JsonArray stored = alice.get("/v1/conversations/" + conversation + "/messages").bodyAsJsonObject().getJsonArray("data");
    for (int i : new int[] {1, 2}) { // b and c
      assertEquals(204, alice.delete("/v1/conversations/" + conversation + "/messages/"
          + stored.getJsonObject(i).getString("id")).statusCode());
    }
    try (SseFollower follower = SseFollower.open(url(conversation, ""), server.bearer("alice-deleted-follow"), null)) {
      assertEquals("a", nextMessage(follower).data().getString("content"));
      Sse.Event d = nextMessage(follower);
      assertEquals("4", d.id());
      assertEquals("d", d.data().getString("content"));
      append(alice, conversation, "e");
      assertEquals("e", nextMessage(follower).data().getString("content"));
    }
  }

  @Test
  @DisplayName("Appends racing from many clients reach a follower exactly once each, gapless, in seq order")
  void concurrentAppends() throws Exception {
    Http alice = Http.as(server, "alice-race");
    String conversation = alice.newConversation();
    try (SseFollower follower = SseFollower.open(url(conversation, ""), server.bearer("alice-race"), null)) {
      assertEquals("conversation", follower.next(10).name());
      ExecutorService writers = Executors.newFixedThreadPool(4);
      List<Future<?>> done = new ArrayList<>();
      for (int w = 0; w < 4; w++) {
        int writer = w;
        done.add(writers.submit(() -> {
          for (int i = 0; i < 10; i++) {
            append(alice, conversation, "w" + writer + "-" + i);
          }
        }));
      }
      for (Future<?> f : done) {
        f.get(60, TimeUnit.SECONDS);
      }
      writers.shutdown();
      for (int seq = 1; seq <= 40; seq++) {
        assertEquals(Integer.toString(seq), nextMessage(follower).id());
      }
      Sse.Event extra = follower.poll(1_000);
      assertTrue(extra == null || "conversation".equals(extra.name()), "no message twice: " + extra);
    }
  }

  @Test
  @DisplayName("A message committed without its live event (a node that died in between) still arrives within a keep-alive")
  void commitWithoutPublish() {
    Http alice = Http.as(server, "alice-missed");
    String conversation = alice.newConversation();
    append(alice, conversation, "one");
    try (SseFollower follower = SseFollower.open(url(conversation, ""), server.bearer("alice-missed"), null)) {
      assertEquals("1", nextMessage(follower).id());
      // Written behind Parley's back: committed, never published.
      server.sql("WITH c AS (UPDATE conversations SET last_seq = last_seq + 1, message_count = message_count + 1 "
          + "WHERE id = '" + conversation + "' RETURNING id, last_seq) "
          + "INSERT INTO messages (conversation_id, seq, id, role, content, token_count) "
          + "SELECT id, last_seq, gen_random_uuid(), 'user', 'quiet', 1 FROM c");
      Sse.Event quiet = nextMessage(follower);
      assertEquals("2", quiet.id());
      assertEquals("quiet", quiet.data().getString("content"));
      append(alice, conversation, "loud");
      assertEquals("3", nextMessage(follower).id());
    }
  }

  @Test
  @DisplayName("Deleting the conversation, or erasing its user, ends its streams with a deleted event; then it is 404")
  void deletionEnds() {
    Http alice = Http.as(server, "alice-delete");
    String conversation = alice.newConversation();
    try (SseFollower follower = SseFollower.open(url(conversation, ""), server.bearer("alice-delete"), null)) {
      assertEquals("conversation", follower.next(10).name());
      assertEquals(204, alice.delete("/v1/conversations/" + conversation).statusCode());
      Sse.Event deleted = follower.next(10);
      assertEquals("deleted", deleted.name());
      assertEquals(conversation, deleted.data().getString("conversation_id"));
      assertEquals(SseFollower.END, follower.next(10).name());
    }
    try (SseFollower late = SseFollower.open(url(conversation, ""), server.bearer("alice-delete"), null)) {
      assertEquals(404, late.status());
    }
    String another = alice.newConversation();
    try (SseFollower follower = SseFollower.open(url(another, ""), server.bearer("alice-delete"), null)) {
      assertEquals("conversation", follower.next(10).name());
      assertEquals(204, alice.delete("/v1/users/me").statusCode());
      assertEquals("deleted", follower.next(10).name(), "erasing the user ends the follows of each conversation");
      assertEquals(SseFollower.END, follower.next(10).name());
    }
  }

  @Test
  @DisplayName("Another user's conversation is 404; a bad or future Last-Event-ID is 400; no token is 401")
  void refusals() {
    Http alice = Http.as(server, "alice-owner");
    String conversation = alice.newConversation();
    append(alice, conversation, "mine");
    try (SseFollower mallory = SseFollower.open(url(conversation, ""), server.bearer("mallory"), null)) {
      assertEquals(404, mallory.status());
      assertTrue(mallory.header("Content-Type").startsWith("application/problem+json"));
      assertEquals(404, mallory.problem().getInteger("status"));
    }
    try (SseFollower bad = SseFollower.open(url(conversation, ""), server.bearer("alice-owner"), "seven")) {
      assertEquals(400, bad.status());
      assertTrue(bad.problem().getString("detail").contains("Last-Event-ID"));
    }
    try (SseFollower future = SseFollower.open(url(conversation, ""), server.bearer("alice-owner"), "9")) {
      assertEquals(400, future.status());
      assertTrue(future.problem().getString("detail").contains("past the conversation's last message"));
    }
    try (SseFollower nobody = SseFollower.open(url(conversation, ""), "Bearer nope", null)) {
      assertEquals(401, nobody.status());
    }
  }

  @Test
  @DisplayName("On the bus: the reply is the conversation, events are typed, and failing one ends the follow")
  void onTheBus() {
    Http alice = Http.as(server, "alice-bus");
    String conversation = alice.newConversation();
    append(alice, conversation, "first");
    var vertx = server.nodeVertx();
    LinkedBlockingQueue<ConversationEvent> events = new LinkedBlockingQueue<>();
    String address = "client.follow." + UUID.randomUUID();
    AtomicBoolean refuse = new AtomicBoolean();
    AtomicInteger refused = new AtomicInteger();
    MessageConsumer<JsonObject> consumer = vertx.eventBus().consumer(address, m -> {
      if (refuse.get()) {
        refused.incrementAndGet();
        m.fail(499, "enough");
        return;
      }
      events.add(ConversationEvent.fromJson(m.body()));
      m.reply(null);
    });
    await(consumer.completion());
    DeliveryOptions options = new DeliveryOptions().addHeader(BusHeaders.USER, "alice-bus")
        .addHeader(BusHeaders.STREAM_ADDRESS, address);
    JsonObject reply = await(vertx.eventBus().<JsonObject>request(Addresses.CONVERSATIONS_FOLLOW,
        new Requests.FollowConversation(UUID.fromString(conversation), 0).toJson(), options)).body();
    assertEquals(conversation, Replies.Conversation.fromJson(reply).id().toString());
    ConversationEvent first = poll(events);
    assertInstanceOf(ConversationEvent.MessageCommitted.class, first);
    assertEquals("first", ((ConversationEvent.MessageCommitted) first).message().content());

    Throwable noAddress = await(vertx.eventBus().request(Addresses.CONVERSATIONS_FOLLOW,
            new JsonObject().put("conversation_id", conversation), new DeliveryOptions().addHeader(BusHeaders.USER, "alice-bus"))
        .transform(ar -> io.vertx.core.Future.succeededFuture(ar.cause())));
    assertEquals(400, assertInstanceOf(ReplyException.class, noAddress).failureCode());

    refuse.set(true);
    append(alice, conversation, "refused");
    append(alice, conversation, "after the follow ended");
    Eventually.eventually(10_000, "the refused event", () -> refused.get() >= 1);
    pollOrNull(events, 1_500);
    assertEquals(1, refused.get(), "after the one failed event, the follow sent nothing more (not even pings)");
    consumer.unregister();
  }

  private static ConversationEvent poll(LinkedBlockingQueue<ConversationEvent> events) {
    ConversationEvent event = pollOrNull(events, 10_000);
    if (event == null) {
      throw new AssertionError("no event");
    }
    return event;
  }

  private static ConversationEvent pollOrNull(LinkedBlockingQueue<ConversationEvent> events, long millis) {
    try {
      return events.poll(millis, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
