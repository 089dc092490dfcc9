package dev.parley.chat;

import dev.parley.support.ChatFixtures;
import dev.parley.support.FakeProvider;
import dev.parley.support.Http;
import dev.parley.support.TestServer;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Per-user limits, and the provider circuit breaker opening and half-opening. */
class LimitsAndBreakerTest {

  private static FakeProvider fake;
  private static TestServer server;

  @BeforeAll
  static void start() {
    fake = new FakeProvider();
    server = TestServer.start(ChatFixtures.env(fake, Map.of(
        "PARLEY_LIMITS_USER_REQUESTS_PER_MINUTE", "2",
        "PARLEY_LLM_MAX_ATTEMPTS", "1",
        "PARLEY_LLM_BREAKER_FAILURES", "2",
        "PARLEY_LLM_BREAKER_OPEN_MS", "60000")));
  }

  @AfterAll
  static void stop() {
    server.close();
    fake.close();
  }

  @BeforeEach
  void resetFake() {
    fake.reset();
  }

  /** On the Anthropic model: the breaker test opens the OpenAI provider's breaker for the rest of the class. */
  private static JsonObject turn(String message) {
    return new JsonObject().put("message", message).put("model", "claude-fake");
  }

  @Test
  @DisplayName("A user over their turns per minute gets 429 with Retry-After and RateLimit headers; others do not")
  void userRequestLimit() {
    Http alice = Http.as(server, "alice-limit");
    assertEquals(200, alice.post("/v1/chat", turn("1")).statusCode());
    assertEquals(200, alice.post("/v1/chat", turn("2")).statusCode());
    HttpResponse<Buffer> third = alice.post("/v1/chat", turn("3"));
    assertEquals(429, third.statusCode());
    assertEquals("application/problem+json", third.getHeader("Content-Type"));
    assertTrue(Integer.parseInt(third.getHeader("Retry-After")) >= 1);
    assertEquals("2", third.getHeader("RateLimit-Limit"));
    assertEquals("0", third.getHeader("RateLimit-Remaining"));
    assertTrue(Integer.parseInt(third.getHeader("RateLimit-Reset")) > 0);
    assertEquals(2, fake.calls().size());
    // Nothing was written for the rejected turn, and a rejected turn's key is free again at once.
    assertEquals(2, alice.get("/v1/conversations").bodyAsJsonObject().getJsonArray("data").size());
    assertEquals(429, alice.post("/v1/chat", turn("4"), "limited-key").statusCode());
    assertEquals(0, server.sqlLong("SELECT count(*) FROM idempotency_keys WHERE owner = 'alice-limit'"),
        "the 429 released its idempotency key");
    assertEquals(200, Http.as(server, "bob-limit").post("/v1/chat", turn("1")).statusCode());
  }

  @Test
  @DisplayName("The breaker opens after repeated provider failures and answers 503 with Retry-After without calling "
      + "(half-opening on its clock: LlmVerticleTest)")
  void breaker() {
    fake.fallback(call -> call.status(500, null, new JsonObject()));
    assertEquals(502, Http.as(server, "b1").post("/v1/chat", new JsonObject().put("message", "x")).statusCode());
    assertEquals(502, Http.as(server, "b2").post("/v1/chat", new JsonObject().put("message", "x")).statusCode());
    assertEquals(2, fake.calls().size());
    HttpResponse<Buffer> open = Http.as(server, "b3").post("/v1/chat", new JsonObject().put("message", "x"));
    assertEquals(503, open.statusCode());
    assertTrue(Integer.parseInt(open.getHeader("Retry-After")) >= 1);
    assertEquals(2, fake.calls().size(), "an open breaker does not call the provider");
    // The Anthropic provider has a breaker of its own and is unaffected.
    fake.fallback(call -> call.reply("fine"));
    assertEquals(200, Http.as(server, "b4").post("/v1/chat", new JsonObject().put("message", "x").put("model", "claude-fake")).statusCode());
    assertEquals(3, fake.calls().size());
  }
}
