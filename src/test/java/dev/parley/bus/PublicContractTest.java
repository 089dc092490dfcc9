package dev.parley.bus;

import dev.parley.support.Http;
import dev.parley.support.TestServer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The public addresses as a service in the cluster sees them: the same operations and JSON as HTTP.
 * Every one validates at the bus edge with the rules of HTTP: an invalid request is a 400 problem
 * pointing at the wrong member on the bus, the same request over HTTP is a 400 too, and neither
 * writes anything. A missing or malformed user header is a 400 on every address.
 */
class PublicContractTest {

  private static final String USER = "contract-user";
  private static TestServer server;
  private static Http http;
  private static String conversation;

  @BeforeAll
  static void start() {
    server = TestServer.start();
    http = Http.as(server, USER);
    conversation = http.newConversation(new JsonObject().put("title", "fixture"));
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  /** One invalid request: on the bus, and the same over HTTP (null: HTTP cannot express it). */
  record Case(String address, JsonObject bus, String pointer, HttpMethod method, Function<String, String> path,
              JsonObject httpBody) {
    @Override
    public String toString() {
      return address + " " + bus.encode();
    }
  }

  static Stream<Case> invalidRequests() {
    UUID unknown = UUID.randomUUID();
    JsonArray noMessages = new JsonArray();
    return Stream.of(
        new Case(Addresses.CONVERSATIONS_CREATE, new JsonObject().put("title", 5), "/title",
            HttpMethod.POST, id -> "/v1/conversations", new JsonObject().put("title", 5)),
        new Case(Addresses.CONVERSATIONS_CREATE, new JsonObject().put("colour", "red"), "/colour",
            HttpMethod.POST, id -> "/v1/conversations", new JsonObject().put("colour", "red")),
        new Case(Addresses.CONVERSATIONS_LIST, new JsonObject().put("limit", 0), "/limit",
            HttpMethod.GET, id -> "/v1/conversations?limit=0", null),
        new Case(Addresses.CONVERSATIONS_GET, new JsonObject().put("id", "nope"), "/id",
            HttpMethod.GET, id -> "/v1/conversations/nope", null),
        new Case(Addresses.CONVERSATIONS_UPDATE, new JsonObject().put("id", unknown.toString()).put("archived", "yes"),
            "/archived", HttpMethod.PATCH, id -> "/v1/conversations/" + unknown, new JsonObject().put("archived", "yes")),
        new Case(Addresses.CONVERSATIONS_DELETE, new JsonObject(), "/id",
            HttpMethod.DELETE, id -> "/v1/conversations/not-an-id", null),
        new Case(Addresses.MESSAGES_APPEND, new JsonObject().put("conversation_id", "{id}").put("messages", noMessages),
            "/messages", HttpMethod.POST, id -> "/v1/conversations/" + id + "/messages",
            new JsonObject().put("messages", noMessages)),
        new Case(Addresses.MESSAGES_APPEND, new JsonObject().put("conversation_id", "{id}").put("messages",
            new JsonArray().add(new JsonObject().put("role", "user").put("content", "x").put("status", "interrupted"))),
            "/messages/0/status", HttpMethod.POST, id -> "/v1/conversations/" + id + "/messages",
            new JsonObject().put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", "x")
                .put("status", "interrupted")))),
        new Case(Addresses.MESSAGES_LIST, new JsonObject().put("conversation_id", "{id}").put("order", "sideways"), "/order",
            HttpMethod.GET, id -> "/v1/conversations/" + id + "/messages?order=sideways", null),
        new Case(Addresses.CONVERSATIONS_FOLLOW, new JsonObject().put("conversation_id", "{id}").put("after_seq", -1),
            "/after_seq", HttpMethod.GET, id -> "/v1/conversations/" + id + "/events?after_seq=-1", null),
        new Case(Addresses.USERS_ERASE, new JsonObject().put("everything", true), "/everything", null, null, null),
        new Case(Addresses.CHAT_TURN, new JsonObject().put("message", ""), "/message",
            HttpMethod.POST, id -> "/v1/chat", new JsonObject().put("message", "")),
        new Case(Addresses.CHAT_TURN, new JsonObject().put("message", "hi").put("context",
            new JsonObject().put("strategy", "everything")), "/context/strategy", HttpMethod.POST, id -> "/v1/chat",
            new JsonObject().put("message", "hi").put("context", new JsonObject().put("strategy", "everything"))),
        new Case(Addresses.CHAT_TURN, new JsonObject().put("message", "hi").put("tools", badTools()), "/tools/0/function/name",
            HttpMethod.POST, id -> "/v1/chat", new JsonObject().put("message", "hi").put("tools", badTools())),
        new Case(Addresses.CHAT_COMPLETIONS, new JsonObject().put("completion", new JsonObject().put("model", "m")
            .put("messages", noMessages)), "/messages", HttpMethod.POST, id -> "/v1/chat/completions",
            new JsonObject().put("model", "m").put("messages", noMessages)),
        new Case(Addresses.CHAT_CONTEXT, new JsonObject().put("conversation_id", "{id}").put("context",
            new JsonObject().put("strategy", "last_n")), "/context/last_n", HttpMethod.POST,
            id -> "/v1/conversations/" + id + "/context",
            new JsonObject().put("context", new JsonObject().put("strategy", "last_n"))));
  }

  private static JsonArray badTools() {
    return new JsonArray().add(new JsonObject().put("type", "function").put("function", new JsonObject().put("name", "no spaces")));
  }

  private static JsonObject withFixture(JsonObject body) {
    return new JsonObject(body.encode().replace("{id}", conversation));
  }

  private static ReplyException busFailure(String address, JsonObject body, DeliveryOptions options) {
    ExecutionException e = assertThrows(ExecutionException.class, () -> server.nodeVertx().eventBus()
        .request(address, body, options.setSendTimeout(10_000)).toCompletionStage().toCompletableFuture()
        .get(15, TimeUnit.SECONDS), address + " accepted " + body.encode());
    return (ReplyException) e.getCause();
  }

  private static long written() {
    return server.sqlLong("SELECT count(*) FROM conversations WHERE owner = '" + USER + "'")
        + server.sqlLong("SELECT count(*) FROM messages m JOIN conversations c ON c.id = m.conversation_id "
        + "WHERE c.owner = '" + USER + "'");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("invalidRequests")
  @DisplayName("An invalid request is a 400 problem on the bus and over HTTP, and writes nothing")
  void invalidIs400(Case c) {
    long before = written();
    ReplyException e = busFailure(c.address(), withFixture(c.bus()), new DeliveryOptions().addHeader(BusHeaders.USER, USER));
    assertEquals(400, e.failureCode(), e.getMessage());
    JsonObject problem = new JsonObject(e.getMessage());
    assertEquals(ProblemType.VALIDATION, ProblemType.fromUri(problem.getString("type")), problem.encode());
    assertEquals(c.pointer(), problem.getJsonArray("errors").getJsonObject(0).getString("pointer"), problem.encode());
    if (c.method() != null) {
      var request = http.request(c.method(), c.path().apply(conversation));
      var response = TestServer.await(c.httpBody() == null ? request.send() : request.sendJsonObject(c.httpBody()));
      assertEquals(400, response.statusCode(), "HTTP: " + response.bodyAsString());
    }
    assertEquals(before, written(), "nothing written");
  }

  static List<String> publicAddresses() {
    return List.of(Addresses.CONVERSATIONS_CREATE, Addresses.CONVERSATIONS_LIST, Addresses.CONVERSATIONS_GET,
        Addresses.CONVERSATIONS_UPDATE, Addresses.CONVERSATIONS_DELETE, Addresses.MESSAGES_APPEND,
        Addresses.MESSAGES_LIST, Addresses.MESSAGES_GET, Addresses.MESSAGES_UPDATE, Addresses.MESSAGES_DELETE,
        Addresses.USERS_ERASE, Addresses.USERS_CLAIM, Addresses.USERS_IMPORT, Addresses.SEARCH, Addresses.CHAT_TURN, Addresses.CHAT_CONTEXT, Addresses.CONVERSATIONS_FOLLOW,
        Addresses.CHAT_COMPLETIONS, Addresses.MODELS_LIST, Addresses.BRANCHES_LIST, Addresses.BRANCHES_CREATE,
        Addresses.CONVERSATIONS_FORK);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("publicAddresses")
  @DisplayName("Without a valid user header every public address answers 400, whatever the body")
  void userHeaderRequired(String address) {
    for (DeliveryOptions options : List.of(new DeliveryOptions(),
        new DeliveryOptions().addHeader(BusHeaders.USER, ""),
        new DeliveryOptions().addHeader(BusHeaders.USER, "bad\u0001user"),
        new DeliveryOptions().addHeader(BusHeaders.USER, "u".repeat(256)))) {
      assertEquals(400, busFailure(address, new JsonObject(), options).failureCode(), address);
    }
    ReplyException notAnObject = assertThrows(ExecutionException.class, () -> server.nodeVertx().eventBus()
        .request(address, "plain text", new DeliveryOptions().addHeader(BusHeaders.USER, USER).setSendTimeout(10_000))
        .toCompletionStage().toCompletableFuture().get(15, TimeUnit.SECONDS)).getCause() instanceof ReplyException r
        ? r : null;
    assertEquals(400, notAnObject.failureCode(), address);
  }

  @Test
  @DisplayName("The address classes list exactly the public addresses; everything else is under parley.internal.")
  void publicAndInternalAreApart() throws IllegalAccessException {
    List<String> declared = new java.util.ArrayList<>();
    for (var field : Addresses.class.getFields()) {
      declared.add((String) field.get(null));
    }
    assertEquals(new java.util.TreeSet<>(publicAddresses()), new java.util.TreeSet<>(declared));
    for (var field : InternalAddresses.class.getFields()) {
      assertTrue(((String) field.get(null)).startsWith(InternalAddresses.PREFIX), field.getName());
    }
  }

  private static DeliveryOptions as(String user) {
    return new DeliveryOptions().addHeader(BusHeaders.USER, user);
  }

  private static Message<Object> request(String address, JsonObject body, DeliveryOptions options) {
    return TestServer.await(server.nodeVertx().eventBus().request(address, body, options));
  }

  private static ReplyException failure(String address, JsonObject body, DeliveryOptions options) {
    return busFailure(address, body, options);
  }

  @Test
  @DisplayName("Create, append, list and get over the bus answer the HTTP JSON with a status header")
  void roundTrip() {
    Message<Object> created = request(Addresses.CONVERSATIONS_CREATE, new JsonObject().put("title", "bus"), as("alice-bus"));
    assertEquals("201", created.headers().get(BusHeaders.STATUS));
    JsonObject conversation = (JsonObject) created.body();
    assertEquals("conversation", conversation.getString("object"));
    String id = conversation.getString("id");

    Message<Object> appended = request(Addresses.MESSAGES_APPEND, new JsonObject().put("conversation_id", id)
        .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", "over the bus"))), as("alice-bus"));
    assertEquals("201", appended.headers().get(BusHeaders.STATUS));
    assertEquals(1L, ((JsonObject) appended.body()).getJsonArray("data").getJsonObject(0).getLong("seq"));

    JsonObject page = (JsonObject) request(Addresses.MESSAGES_LIST, new JsonObject().put("conversation_id", id).put("limit", 5),
        as("alice-bus")).body();
    assertEquals("over the bus", page.getJsonArray("data").getJsonObject(0).getString("content"));
    JsonObject got = (JsonObject) request(Addresses.CONVERSATIONS_GET, new JsonObject().put("id", id), as("alice-bus")).body();
    assertEquals("bus", got.getString("title"));
    assertEquals(1, got.getInteger("message_count"));
  }

  @Test
  @DisplayName("Failures cross the bus as fail(status, problemJson): 404 for another user's id")
  void failuresCarryProblems() {
    String id = ((JsonObject) request(Addresses.CONVERSATIONS_CREATE, new JsonObject(), as("alice-bus-2")).body()).getString("id");
    ReplyException e = failure(Addresses.CONVERSATIONS_GET, new JsonObject().put("id", id), as("mallory"));
    assertEquals(404, e.failureCode());
    JsonObject problem = new JsonObject(e.getMessage());
    assertEquals(404, problem.getInteger("status"));
    assertEquals("/problems/not-found", problem.getString("type"));
  }

  @Test
  @DisplayName("Idempotency over the bus: the idempotency-key and request-hash headers replay the first reply")
  void idempotentOverBus() {
    DeliveryOptions options = as("alice-bus-4").addHeader(BusHeaders.IDEMPOTENCY_KEY, "bus-key").addHeader(BusHeaders.REQUEST_HASH, "h1");
    Message<Object> first = request(Addresses.CONVERSATIONS_CREATE, new JsonObject().put("title", "t"), options);
    Message<Object> again = request(Addresses.CONVERSATIONS_CREATE, new JsonObject().put("title", "t"), options);
    assertEquals("true", again.headers().get(BusHeaders.REPLAYED));
    assertEquals(first.body(), again.body());
  }
}
