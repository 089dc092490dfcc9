package dev.parley.bus;

import dev.parley.support.TestServer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static dev.parley.support.TestServer.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The same operations and JSON as HTTP, straight on the event bus, as a cluster client sees them. */
class EventBusApiTest {

  private static TestServer server;
  private static EventBus bus;

  @BeforeAll
  static void start() {
    server = TestServer.start();
    bus = server.nodeVertx().eventBus();
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  private static DeliveryOptions as(String user) {
    return new DeliveryOptions().addHeader(BusHeaders.USER, user);
  }

  private static Message<Object> request(String address, JsonObject body, DeliveryOptions options) {
    return await(bus.request(address, body, options));
  }

  private static ReplyException failure(String address, JsonObject body, DeliveryOptions options) {
    ExecutionException e = assertThrows(ExecutionException.class,
        () -> bus.request(address, body, options).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS));
    return (ReplyException) e.getCause();
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
  @DisplayName("The bus applies the same input rules as HTTP: missing user, bad role, NUL, limits are 400")
  void sameRulesAsHttp() {
    assertEquals(400, failure(Addresses.CONVERSATIONS_LIST, new JsonObject(), new DeliveryOptions()).failureCode());
    assertEquals(400, failure(Addresses.CONVERSATIONS_CREATE, new JsonObject().put("title", "a\u0000b"), as("alice-bus-3")).failureCode());
    ReplyException role = failure(Addresses.CONVERSATIONS_CREATE, new JsonObject().put("messages",
        new JsonArray().add(new JsonObject().put("role", "robot").put("content", "x"))), as("alice-bus-3"));
    assertEquals(400, role.failureCode());
    assertEquals("/messages/0/role", new JsonObject(role.getMessage()).getJsonArray("errors").getJsonObject(0).getString("pointer"));
    assertEquals(400, failure(Addresses.CONVERSATIONS_LIST, new JsonObject().put("limit", 1000), as("alice-bus-3")).failureCode());
    JsonArray list = ((JsonObject) request(Addresses.CONVERSATIONS_LIST, new JsonObject(), as("alice-bus-3")).body()).getJsonArray("data");
    assertTrue(list.isEmpty());
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
