package dev.parley.cache;

import dev.parley.support.FaultyProxy;
import dev.parley.support.Http;
import dev.parley.support.Metrics;
import dev.parley.support.RedisProcess;
import dev.parley.support.TestServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.Map;

import static dev.parley.support.Eventually.eventually;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Read-after-write across two nodes through every Redis fault: a hang shorter than the time-out,
 * one longer (long enough to open node A's breaker, so A's invalidation never reaches Redis), a
 * partition of node A alone, and a kill and restart. Node A reaches a private redis-server
 * through a fault-injecting proxy; node B reaches it directly; both share one database. After
 * every acknowledged write through A, every read on B must show it.
 */
class RedisFaultCoherenceTest {

  private static RedisProcess redis;
  private static FaultyProxy proxy;
  private static TestServer a;
  private static TestServer b;

  @BeforeAll
  static void start() {
    redis = RedisProcess.start();
    proxy = new FaultyProxy("127.0.0.1", redis.port());
    Map<String, String> settings = new HashMap<>(Map.of("PARLEY_REDIS_TIMEOUT_MS", "200",
        "PARLEY_REDIS_BREAKER_FAILURES", "3", "PARLEY_REDIS_BREAKER_OPEN_MS", "500",
        "PARLEY_REDIS_CACHE_LEASE_MS", "1000", "PARLEY_STORE_INSTANCES", "1"));
    settings.put("PARLEY_REDIS_URL", proxy.redisUrl());
    a = TestServer.start(settings);
    settings.put("PARLEY_REDIS_URL", redis.url());
    settings.put("PARLEY_PG_URL", a.env().get("PARLEY_PG_URL"));
    b = TestServer.start(settings);
  }

  @AfterAll
  static void stop() {
    b.close();
    a.close();
    proxy.close();
    redis.close();
  }

  @AfterEach
  void healthy() {
    redis.resume();
    proxy.mode(FaultyProxy.Mode.PASS);
  }

  /** A conversation with three messages whose pages and head node B holds in the cache. */
  private static String warmOnB(String user) {
    Http onA = Http.as(a, user);
    String id = onA.newConversation();
    for (int i = 1; i <= 3; i++) {
      append(onA, id, "message " + i);
    }
    Http onB = Http.as(b, user);
    double hits = SharedRedisContract.hits(b);
    eventually(5_000, "node B serves the conversation from the cache", () -> {
      assertSees(onB, id, "message 3", 3);
      return SharedRedisContract.hits(b) >= hits + 2;
    });
    return id;
  }

  private static void append(Http node, String id, String content) {
    assertEquals(201, node.post("/v1/conversations/" + id + "/messages", new JsonObject().put("messages",
        new JsonArray().add(new JsonObject().put("role", "user").put("content", content)))).statusCode(),
        "the append is acknowledged");
  }

  private static void assertSees(Http node, String id, String newest, int count) {
    JsonObject page = node.get("/v1/conversations/" + id + "/messages?order=desc&limit=1").bodyAsJsonObject();
    assertEquals(newest, page.getJsonArray("data").getJsonObject(0).getString("content"), "newest message");
    assertEquals(count, node.get("/v1/conversations/" + id).bodyAsJsonObject().getInteger("message_count"),
        "message_count");
  }

  /** Reads on both nodes for a while: every one of them must show the acknowledged write. */
  private static void readAfterWriteHolds(String user, String id, String newest, int count) {
    Http onA = Http.as(a, user);
    Http onB = Http.as(b, user);
    // Not a wait for something to happen: the property under test must hold for the whole window.
    long until = System.currentTimeMillis() + 1_500;
    while (System.currentTimeMillis() < until) {
      assertSees(onB, id, newest, count);
      assertSees(onA, id, newest, count);
    }
  }

  @Test
  @DisplayName("Redis hangs for less than the time-out during a write: both nodes read the write")
  void shortHang() {
    String id = warmOnB("hang-short");
    redis.hang();
    Thread resume = new Thread(() -> {
      try {
        Thread.sleep(100); // the hang under test: shorter than the 200 ms time-out
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      redis.resume();
    });
    resume.start();
    append(Http.as(a, "hang-short"), id, "during a short hang");
    readAfterWriteHolds("hang-short", id, "during a short hang", 4);
  }

  @Test
  @DisplayName("Redis hangs long enough to open node A's breaker: A's invalidation is lost, yet B never serves the old page")
  void longHang() {
    String id = warmOnB("hang-long");
    Http onA = Http.as(a, "hang-long");
    redis.hang();
    for (int i = 0; i < 3; i++) {
      assertEquals(200, onA.get("/v1/conversations/" + id).statusCode(), "reads fall back to PostgreSQL");
    }
    append(onA, id, "during a long hang");
    redis.resume();
    readAfterWriteHolds("hang-long", id, "during a long hang", 4);
  }

  @Test
  @DisplayName("Only node A is cut off from Redis: its write is still seen on node B, which reaches Redis")
  void partitionOfOneNode() {
    String id = warmOnB("partition");
    proxy.mode(FaultyProxy.Mode.DROP);
    append(Http.as(a, "partition"), id, "while A was cut off");
    readAfterWriteHolds("partition", id, "while A was cut off", 4);
    proxy.mode(FaultyProxy.Mode.PASS);
    readAfterWriteHolds("partition", id, "while A was cut off", 4);
  }

  @Test
  @DisplayName("A page in node B's memory is never served after Redis lost its data, even when the version number Redis starts again from is the one the page was made at")
  void nearCacheAfterRedisLostItsData() {
    Http onA = Http.as(a, "near-restart");
    String id = onA.newConversation();
    for (int i = 1; i <= 3; i++) {
      append(onA, id, "message " + i);
    }
    redis.restart(); // the conversation has no version number in Redis now
    Http onB = Http.as(b, "near-restart");
    double nearHits = Metrics.value(b, "parley_cache_requests_total", "result=\"near_hit\"");
    eventually(5_000, "node B serves the page from its memory", () -> {
      assertSees(onB, id, "message 3", 3);
      return Metrics.value(b, "parley_cache_requests_total", "result=\"near_hit\"") > nearHits;
    });
    append(onA, id, "after B kept the page");
    redis.restart(); // the version number is gone again, back to where B's page was made
    readAfterWriteHolds("near-restart", id, "after B kept the page", 4);
  }

  @Test
  @DisplayName("Redis is killed and restarted: writes meanwhile and after are read on both nodes")
  void killAndRestart() {
    String id = warmOnB("restart");
    redis.kill();
    append(Http.as(a, "restart"), id, "while redis was dead");
    readAfterWriteHolds("restart", id, "while redis was dead", 4);
    redis.restart();
    append(Http.as(b, "restart"), id, "after the restart");
    readAfterWriteHolds("restart", id, "after the restart", 5);
  }
}
