package dev.parley.cache;

import dev.parley.support.Http;
import dev.parley.support.RedisClusterProcess;
import dev.parley.support.TestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The shared-Redis contract against a Redis Cluster of three masters started by the test, plus
 * what a cluster adds: each script call stays on one slot (a user's keys share a hash tag), the
 * keys of many users spread over the masters, and scripts travel by SHA.
 */
class RedisClusterCacheTest extends SharedRedisContract {

  private static RedisClusterProcess redis;
  private static TestServer a;
  private static TestServer b;
  private static TestServer plain;

  @BeforeAll
  static void start() {
    redis = RedisClusterProcess.start();
    Map<String, String> env = new HashMap<>(Map.of("PARLEY_REDIS_URL", redis.urls(), "PARLEY_REDIS_CLUSTER", "true",
        "PARLEY_LIMITS_USER_REQUESTS_PER_MINUTE", "3", "PARLEY_REDIS_TIMEOUT_MS", "1000"));
    a = TestServer.start(env);
    env.put("PARLEY_PG_URL", a.env().get("PARLEY_PG_URL"));
    b = TestServer.start(env);
    plain = TestServer.start(Map.of("PARLEY_PG_URL", a.env().get("PARLEY_PG_URL")));
  }

  @AfterAll
  static void stop() {
    for (AutoCloseable closeable : new AutoCloseable[] {a, b, plain, redis}) {
      try {
        if (closeable != null) {
          closeable.close();
        }
      } catch (Exception ignored) {
        // best effort
      }
    }
  }

  @Override
  Nodes nodes() {
    return new Nodes(a, b, plain);
  }

  @Test
  @DisplayName("Many users' entries spread over the masters, every call answered (no cross-slot error), scripts sent by SHA")
  void spreadAndBySha() {
    for (int u = 0; u < 24; u++) {
      Http user = Http.as(a, "spread-" + u);
      String id = conversationWith(user, 3);
      for (int i = 0; i < 3; i++) {
        assertEquals(200, user.get("/v1/conversations/" + id + "/messages").statusCode());
        assertEquals(200, Http.as(b, "spread-" + u).get("/v1/conversations/" + id).statusCode());
      }
    }
    assertTrue(hits(a) >= 24, "the cache served on the cluster: " + hits(a));
    int mastersWithKeys = 0;
    long evalsha = 0;
    for (int port : redis.ports()) {
      if (Long.parseLong(redis.command(port, "dbsize").trim()) > 0) {
        mastersWithKeys++;
      }
      String stats = redis.command(port, "info", "commandstats");
      evalsha += calls(stats, "evalsha");
      // A master learns each script once (6 scripts; two nodes may race to teach it the first time).
      assertTrue(calls(stats, "eval") <= 12, "script text sent more than once per script to " + port + ": " + stats);
    }
    assertTrue(mastersWithKeys >= 2, "keys on " + mastersWithKeys + " of 3 masters");
    assertTrue(evalsha > 100, "scripts are called by SHA: " + evalsha);
  }

  private static long calls(String commandStats, String command) {
    Matcher m = Pattern.compile("cmdstat_" + command + ":calls=(\\d+)").matcher(commandStats);
    return m.find() ? Long.parseLong(m.group(1)) : 0;
  }
}
