package dev.parley.client;

import dev.parley.client.Model.Branch;
import dev.parley.client.Model.ChatTurn;
import dev.parley.client.Model.Conversation;
import dev.parley.client.Model.Message;
import dev.parley.client.Model.NewMessage;
import dev.parley.client.Model.ToolResult;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The client against a real Parley ({@link ParleyServerProcess}: the packaged jar, embedded PostgreSQL). */
class ParleyClientTest {

  private static ParleyServerProcess server;
  private static URI base;

  @BeforeAll
  static void start() throws Exception {
    server = ParleyServerProcess.start();
    base = server.uri();
  }

  @AfterAll
  static void stop() throws Exception {
    server.close();
  }

  private static String token(String user) throws Exception {
    return server.token(user);
  }

  private static ParleyClient client(String user) throws Exception {
    return server.client(user);
  }

  private static <T> List<T> all(Iterable<T> items) {
    List<T> out = new ArrayList<>();
    items.forEach(out::add);
    return out;
  }

  @Test
  @DisplayName("Conversations and messages: create, read, rename, archive, append, history across pages, delete")
  void conversationsAndMessages() throws Exception {
    ParleyClient alice = client("alice-" + UUID.randomUUID());
    Conversation created = alice.createConversation("Sourdough", Map.of("app", "test"));
    assertEquals("Sourdough", alice.conversation(created.id()).title());
    assertEquals("test", created.metadata().get("app"));
    for (int batch = 0; batch < 6; batch++) {
      List<NewMessage> messages = new ArrayList<>();
      for (int i = 0; i < 20; i++) {
        messages.add(NewMessage.user("message " + (batch * 20 + i)));
      }
      List<Message> stored = alice.append(created.id(), messages);
      assertEquals(batch * 20L + 1, stored.get(0).seq());
    }
    List<Message> history = all(alice.messages(created.id()));
    assertEquals(120, history.size(), "the history is read page by page (100 a page)");
    assertEquals("message 119", history.get(119).content());
    Message first = history.get(0);
    assertEquals("yes", alice.setMessageMetadata(created.id(), first.id(), Map.of("liked", "yes")).metadata().get("liked"));
    alice.deleteMessage(created.id(), first.id());
    assertEquals(119, alice.conversation(created.id()).messageCount());

    assertEquals("Bread", alice.rename(created.id(), "Bread").title());
    assertTrue(all(alice.conversations()).stream().anyMatch(c -> c.id().equals(created.id())));
    alice.archive(created.id(), true);
    assertTrue(all(alice.conversations(true)).stream().anyMatch(c -> c.id().equals(created.id())));
    // Following it live: a new message arrives as an event.
    BlockingQueue<String> seen = new LinkedBlockingQueue<>();
    try (AutoCloseable follow = alice.follow(created.id(), 120, (name, data) -> {
      if ("message".equals(name)) {
        seen.add(data.path("content").asText());
      }
    })) {
      Thread.sleep(300);
      alice.append(created.id(), List.of(NewMessage.user("live")));
      assertEquals("live", seen.poll(10, TimeUnit.SECONDS));
    }
    alice.deleteConversation(created.id());
    assertThrows(ParleyException.NotFound.class, () -> alice.conversation(created.id()));
  }

  @Test
  @DisplayName("Chat: a JSON turn, a streamed turn seen event by event, tool calls and their results")
  void chat() throws Exception {
    ParleyClient bob = client("bob-" + UUID.randomUUID());
    ChatTurn turn = bob.chat(ChatRequest.builder().message("Hello").system("Be brief.").build());
    assertTrue(turn.message().content().startsWith("[placeholder]"), turn.message().content());
    assertEquals("stop", turn.finishReason());

    List<ChatEvent> events = new ArrayList<>();
    ChatTurn streamed = bob.chat(ChatRequest.builder().conversation(turn.conversationId()).message("Again").build(),
        events::add);
    assertTrue(events.get(0) instanceof ChatEvent.Started, events.toString());
    StringBuilder text = new StringBuilder();
    events.stream().filter(e -> e instanceof ChatEvent.Delta).forEach(e -> text.append(((ChatEvent.Delta) e).content()));
    assertEquals(streamed.message().content(), text.toString());
    assertTrue(events.get(events.size() - 1) instanceof ChatEvent.Answered);
    // This server keeps no turn log (no Redis): following the turn again gives what it stored.
    UUID turnId = ((ChatEvent.Started) events.get(0)).turnId();
    ParleyException.Gone gone = assertThrows(ParleyException.Gone.class, () -> bob.followTurn(turnId, 0, e -> { }));
    assertEquals(streamed.message().id(), gone.storedAnswer().id());
    assertEquals(streamed.message().content(), gone.storedAnswer().content());
    assertEquals(turn.conversationId(), gone.conversationId());

    Map<String, Object> weather = Map.of("name", "get_weather", "parameters",
        Map.of("type", "object", "properties", Map.of("city", Map.of("type", "string"))));
    ChatTurn call = bob.chat(ChatRequest.builder().conversation(turn.conversationId()).message("Oslo")
        .tools(List.of(weather)).toolChoice("required").build());
    Model.ToolCall toolCall = call.toolCalls().get(0);
    assertEquals("get_weather", toolCall.function().name());
    ChatTurn answered = bob.chat(ChatRequest.builder().conversation(turn.conversationId())
        .toolResults(List.of(new ToolResult(toolCall.id(), "3C and snow"))).build());
    assertTrue(answered.message().content().endsWith("3C and snow"), answered.message().content());
    ParleyException.Conflict again = assertThrows(ParleyException.Conflict.class, () -> bob.chat(ChatRequest.builder()
        .conversation(turn.conversationId()).toolResults(List.of(new ToolResult(toolCall.id(), "x"))).build()));
    assertEquals(422, again.status());

    assertTrue(bob.context(turn.conversationId(), "next").messagesIncluded() > 0);
    assertTrue(bob.models().stream().anyMatch(m -> m.id().equals("placeholder")));
  }

  @Test
  @DisplayName("A streamed turn followed again (a server with Redis keeps its log): the events after those seen, then the same turn")
  void followTurnAgain() throws Exception {
    String redis = System.getenv("PARLEY_TEST_REDIS_URL");
    Assumptions.assumeTrue(redis != null && !redis.isBlank(), "PARLEY_TEST_REDIS_URL names the Redis to use");
    try (ParleyServerProcess withRedis = ParleyServerProcess.start(Map.of("PARLEY_REDIS_URL", redis))) {
      ParleyClient carol = withRedis.client("carol-" + UUID.randomUUID());
      List<ChatEvent> events = new ArrayList<>();
      ChatTurn streamed = carol.chat(ChatRequest.builder().message("Tell me a story").build(), events::add);
      UUID turnId = ((ChatEvent.Started) events.get(0)).turnId();
      assertTrue(events.size() > 3, events.toString());

      List<ChatEvent> rest = new ArrayList<>();
      ChatTurn again = carol.followTurn(turnId, 2, rest::add);
      assertEquals(events.subList(2, events.size()), rest, "the events after the first two, as they were");
      assertEquals(streamed.message().id(), again.message().id());
      List<ChatEvent> all = new ArrayList<>();
      carol.followTurn(turnId, 0, all::add);
      assertEquals(events, all);
      assertThrows(ParleyException.NotFound.class, () -> withRedis.client("dave-" + UUID.randomUUID())
          .followTurn(turnId, 0, e -> { }), "another user's turn");
    }
  }

  @Test
  @DisplayName("Branches, fork and search")
  void branchesForkSearch() throws Exception {
    ParleyClient carol = client("carol-" + UUID.randomUUID());
    ChatTurn first = carol.chat(ChatRequest.builder().message("Tell me about kestrels").build());
    UUID conversation = first.conversationId();
    ChatTurn regenerated = carol.chat(ChatRequest.builder().conversation(conversation)
        .parent(first.userMessage().id()).build());
    assertEquals(1, regenerated.message().branch());
    List<Branch> branches = carol.branches(conversation);
    assertEquals(2, branches.size());
    assertEquals(first.userMessage().id(), branches.get(1).forkMessageId());
    assertEquals(3, all(carol.messages(conversation, "all")).size());
    assertEquals(0, carol.selectBranch(conversation, 0).currentBranch());
    Conversation fork = carol.fork(conversation, first.userMessage().id());
    assertEquals(1, fork.messageCount());
    assertEquals(1, all(carol.search("kestrels")).stream().filter(h -> h.conversationId().equals(fork.id())).count());
  }

  @Test
  @DisplayName("Problems are typed exceptions: 400 with the pointer, 401, 404 for another user's conversation")
  void problems() throws Exception {
    ParleyClient dave = client("dave-" + UUID.randomUUID());
    Conversation mine = dave.createConversation(null, null);
    ParleyException.BadRequest invalid = assertThrows(ParleyException.BadRequest.class,
        () -> dave.append(mine.id(), List.of(new NewMessage("robot", "x", null, null, null))));
    assertEquals("/messages/0/role", invalid.errors().get(0).pointer());
    assertEquals("/problems/validation-error", invalid.type());
    assertThrows(ParleyException.NotFound.class, () -> client("mallory-" + UUID.randomUUID()).conversation(mine.id()));
    assertThrows(ParleyException.Unauthorized.class,
        () -> ParleyClient.builder(base).token("not-a-token").build().conversations().iterator().hasNext());
  }

  @Test
  @DisplayName("The user's data: export and import, an anonymous user claimed, erasure")
  void userData() throws Exception {
    String anonymous = ParleyClient.anonymousToken(base);
    ParleyClient guest = ParleyClient.builder(base).token(anonymous).build();
    guest.chat(ChatRequest.builder().message("before signing in").build());
    ParleyClient erin = client("erin-" + UUID.randomUUID());
    assertEquals(1, erin.claim(anonymous).conversationsMoved());
    Path export = Files.createTempFile("parley-export", ".ndjson");
    erin.export(export);
    assertTrue(Files.readString(export).contains("before signing in"));
    ParleyClient frank = client("frank-" + UUID.randomUUID());
    assertNotNull(frank.importFrom(export));
    assertEquals(1, all(frank.conversations()).size());
    frank.eraseMe();
    assertEquals(0, all(frank.conversations()).size());
    Files.delete(export);
  }

  @Test
  @DisplayName("A write after a lost answer is retried with the same key: Parley stores it once")
  void retriedWriteIsStoredOnce() throws Exception {
    // A proxy that drops the first answer of each request it forwards, after Parley has done the work.
    try (DroppingProxy proxy = new DroppingProxy(base)) {
      ParleyClient grace = ParleyClient.builder(proxy.uri()).token(token("grace-" + UUID.randomUUID()))
          .maxAttempts(3).timeout(Duration.ofSeconds(10)).build();
      Conversation created = grace.createConversation("once", null);
      assertEquals(1, proxy.dropped(), "the first answer was lost");
      assertEquals(1, all(grace.conversations()).stream().filter(c -> c.title().equals("once")).count(),
          "one conversation, though the request went twice");
      assertEquals("once", created.title());
    }
  }
}
