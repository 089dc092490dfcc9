package dev.parley.cache;

import dev.parley.support.FaultyProxy;
import dev.parley.support.Http;
import dev.parley.support.TestServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static dev.parley.support.Eventually.eventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two nodes (A, B) share one database and one Redis (through a fault-injecting proxy); a third
 * node (plain) shares the database without Redis, as the reference for what the database says.
 */
class RedisCacheTest extends SharedRedisContract {

  private static FaultyProxy proxy;
  private static TestServer a;
  private static TestServer b;
  private static TestServer plain;

  @BeforeAll
  static void start() {
    proxy = FaultyProxy.forRedis();
    Map<String, String> redis = Map.of("PARLEY_REDIS_URL", proxy.redisUrl(), "PARLEY_REDIS_TIMEOUT_MS", "200",
        "PARLEY_REDIS_BREAKER_OPEN_MS", "500", "PARLEY_LIMITS_USER_REQUESTS_PER_MINUTE", "3",
        "PARLEY_REDIS_CACHE_LEASE_MS", "500", "PARLEY_REDIS_CACHE_SUSPEND_MS", "500");
    a = TestServer.start(redis);
    String db = a.env().get("PARLEY_PG_URL");
    java.util.HashMap<String, String> second = new java.util.HashMap<>(redis);
    second.put("PARLEY_PG_URL", db);
    b = TestServer.start(second);
    plain = TestServer.start(Map.of("PARLEY_PG_URL", db));
  }

  @AfterAll
  static void stop() {
    a.close();
    b.close();
    plain.close();
    proxy.close();
  }

  @BeforeEach
  void healthyRedis() {
    proxy.mode(FaultyProxy.Mode.PASS);
  }

  @Override
  Nodes nodes() {
    return new Nodes(a, b, plain);
  }

  @Test
  @DisplayName("Redis hangs: requests keep succeeding from PostgreSQL in time, nothing stale after it returns")
  void redisStalls() throws InterruptedException {
    Http onA = Http.as(a, "dave-stall");
    String id = conversationWith(onA, 3);
    String newest = "/v1/conversations/" + id + "/messages?order=desc&limit=1";
    onA.get(newest);
    onA.get(newest);
    assertTrue(Http.withAuthorization(a, null).get("/health/ready").bodyAsString().contains("\"state\":\"ok\""),
        "a configured Redis that answers is ok");
    proxy.mode(FaultyProxy.Mode.STALL);
    long started = System.currentTimeMillis();
    assertEquals(200, onA.get(newest).statusCode());
    assertEquals(201, onA.post("/v1/conversations/" + id + "/messages", new JsonObject().put("messages",
        new JsonArray().add(new JsonObject().put("role", "user").put("content", "while redis hung")))).statusCode());
    assertEquals("while redis hung", onA.get(newest).bodyAsJsonObject().getJsonArray("data").getJsonObject(0).getString("content"));
    assertEquals(200, Http.withAuthorization(a, null).get("/health/ready").statusCode(), "Redis is not required");
    assertTrue(System.currentTimeMillis() - started < 3_000, "each request within the time-out budget");
    proxy.mode(FaultyProxy.Mode.PASS);
    cacheServesAgain(onA, newest);
    for (int i = 0; i < 3; i++) {
      assertEquals("while redis hung", onA.get(newest).bodyAsJsonObject().getJsonArray("data").getJsonObject(0).getString("content"));
      assertEquals(4, Http.as(b, "dave-stall").get("/v1/conversations/" + id).bodyAsJsonObject().getInteger("message_count"));
    }
  }

  @Test
  @DisplayName("Redis dies and comes back: requests succeed meanwhile, and the client reconnects by itself")
  void redisDiesAndReturns() throws InterruptedException {
    Http onA = Http.as(a, "erin-drop");
    String id = conversationWith(onA, 2);
    String path = "/v1/conversations/" + id + "/messages";
    proxy.mode(FaultyProxy.Mode.DROP);
    for (int i = 0; i < 5; i++) {
      assertEquals(200, onA.get(path).statusCode());
    }
    proxy.mode(FaultyProxy.Mode.PASS);
    cacheServesAgain(onA, path);
  }

  /** Reads {@code path} until a read is a cache hit again (the breaker closed, the client reconnected). */
  private static void cacheServesAgain(Http user, String path) {
    eventually(5_000, "the cache serves again", () -> {
      double before = hits(a);
      assertEquals(200, user.get(path).statusCode());
      return hits(a) > before;
    });
  }
}
