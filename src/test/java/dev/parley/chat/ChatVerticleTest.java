package dev.parley.chat;

import dev.parley.bus.Addresses;
import dev.parley.bus.BusHeaders;
import dev.parley.support.NodeConfig;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Checkpoint;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The chat verticle alone, over the bus. Its dependencies (the store's and the LLM's addresses)
 * are absent or stand-ins that fail, so every path that must answer by itself is exercised.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 20, timeUnit = TimeUnit.SECONDS)
class ChatVerticleTest {

  /** Far below the turn time-out: an answer here comes from the verticle, not a sender's time-out. */
  private static final DeliveryOptions AS_USER = new DeliveryOptions().setSendTimeout(5_000)
      .addHeader(BusHeaders.USER, "chat-user");

  @BeforeEach
  void deploy(Vertx vertx, VertxTestContext test) {
    vertx.deployVerticle(new ChatVerticle(), new DeploymentOptions()
            .setConfig(NodeConfig.of(Map.of("PARLEY_CHAT_TURN_TIMEOUT_MS", "60000"))))
        .onComplete(test.succeedingThenComplete());
  }

  private static Future<Message<Object>> turn(Vertx vertx, JsonObject body) {
    return vertx.eventBus().request(Addresses.CHAT_TURN, body, AS_USER);
  }

  private static int status(Throwable failure) {
    return ((ReplyException) failure).failureCode();
  }

  @Test
  @DisplayName("No store on the bus: a turn is a prompt 503, not a hang")
  void storeAbsent(Vertx vertx, VertxTestContext test) {
    turn(vertx, new JsonObject().put("message", "hello")).onComplete(test.failing(e -> test.verify(() -> {
      assertEquals(503, status(e), e.getMessage());
      test.completeNow();
    })));
  }

  @Test
  @DisplayName("A store that fails without a problem, or answers garbage: the turn answers 500 at once")
  void storeMisbehaves(Vertx vertx, VertxTestContext test) {
    Checkpoint answered = test.checkpoint(2);
    String conversation = UUID.randomUUID().toString();
    MessageConsumer<Object> failing = vertx.eventBus().consumer(dev.parley.bus.InternalAddresses.MESSAGES_CONTEXT,
        msg -> msg.fail(500, "not a problem document"));
    turn(vertx, new JsonObject().put("message", "hello").put("conversation_id", conversation))
        .onComplete(test.failing(e -> test.verify(() -> {
      assertEquals(500, status(e));
      answered.flag();
      failing.unregister().onComplete(v -> {
        vertx.eventBus().consumer(dev.parley.bus.InternalAddresses.MESSAGES_CONTEXT, msg -> msg.reply("not json"));
        turn(vertx, new JsonObject().put("message", "hello").put("conversation_id", conversation))
            .onComplete(test.failing(e2 -> test.verify(() -> {
              assertEquals(500, status(e2), e2.getMessage());
              answered.flag();
            })));
      });
    })));
  }

  @Test
  @DisplayName("Invalid turns and dry runs are 400 problems before any store address is called")
  void invalidBeforeAnyCall(Vertx vertx, VertxTestContext test) {
    AtomicInteger storeCalls = new AtomicInteger();
    for (String store : new String[] {Addresses.CONVERSATIONS_CREATE, dev.parley.bus.InternalAddresses.MESSAGES_CONTEXT,
        dev.parley.bus.InternalAddresses.TURN_APPEND}) {
      vertx.eventBus().consumer(store, msg -> storeCalls.incrementAndGet());
    }
    Checkpoint answered = test.checkpoint(4);
    for (JsonObject bad : new JsonObject[] {
        new JsonObject(),
        new JsonObject().put("message", "hi").put("context", new JsonObject().put("strategy", "everything")),
        new JsonObject().put("message", "hi").put("stream", true)}) {
      turn(vertx, bad).onComplete(test.failing(e -> test.verify(() -> {
        assertEquals(400, status(e), bad.encode());
        assertEquals(0, storeCalls.get());
        answered.flag();
      })));
    }
    vertx.eventBus().request(Addresses.CHAT_CONTEXT, new JsonObject(), AS_USER)
        .onComplete(test.failing(e -> test.verify(() -> {
          assertEquals(400, status(e));
          assertEquals("/conversation_id",
              new JsonObject(e.getMessage()).getJsonArray("errors").getJsonObject(0).getString("pointer"));
          answered.flag();
        })));
  }
}
