package dev.parley.cache;

import dev.parley.support.Http;
import dev.parley.support.Metrics;
import dev.parley.support.TestServer;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.List;

import static dev.parley.support.Eventually.eventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What any Redis that Parley shares between nodes must give, a single server or a Redis Cluster:
 * nodes A and B on one database and one Redis, a third node ({@code plain}) on the database
 * without Redis as the reference. Per-user limit: 3 per minute.
 */
abstract class SharedRedisContract {

  /** The two nodes sharing Redis, and the reference node without it. */
  record Nodes(TestServer a, TestServer b, TestServer plain) {
  }

  abstract Nodes nodes();

  private TestServer a() {
    return nodes().a();
  }

  private TestServer b() {
    return nodes().b();
  }

  private TestServer plain() {
    return nodes().plain();
  }

  /** Reads answered from the cache: from Redis, or from the node's memory once Redis confirmed the version. */
  static double hits(TestServer node) {
    return Metrics.value(node, "parley_cache_requests_total", "result=\"hit\"")
        + Metrics.value(node, "parley_cache_requests_total", "result=\"near_hit\"");
  }

  static String conversationWith(Http user, int messages) {
    String id = user.newConversation(new JsonObject().put("title", "cached"));
    for (int start = 0; start < messages; start += 20) {
      JsonArray batch = new JsonArray();
      for (int i = start; i < Math.min(messages, start + 20); i++) {
        batch.add(new JsonObject().put("role", i % 2 == 0 ? "user" : "assistant").put("content", "message " + i));
      }
      user.post("/v1/conversations/" + id + "/messages", new JsonObject().put("messages", batch));
    }
    return id;
  }

  @Test
  @DisplayName("Cache hits return exactly the bytes the database would, for every page shape")
  void hitsMatchDatabase() {
    Http onA = Http.as(a(), "alice-cache");
    Http reference = Http.as(plain(), "alice-cache");
    String id = conversationWith(onA, 30);
    String path = "/v1/conversations/" + id + "/messages";
    JsonArray all = reference.get(path + "?limit=100").bodyAsJsonObject().getJsonArray("data");
    String m10 = all.getJsonObject(9).getString("id");
    String m25 = all.getJsonObject(24).getString("id");
    List<String> queries = List.of("", "?order=desc", "?order=desc&limit=5", "?limit=100", "?after=" + m25,
        "?order=desc&after=" + m25, "?before=" + m25 + "&limit=3", "?after=" + m10 + "&before=" + m25,
        "?order=desc&before=" + m10, "?limit=1");
    // A fault injected by an earlier test suspends the cache for a moment: wait until it serves.
    eventually(5_000, "the cache serves again", () -> {
      double before = hits(a());
      onA.get(path);
      onA.get(path);
      return hits(a()) > before;
    });
    double hitsBefore = hits(a());
    for (String query : queries) {
      String miss = onA.get(path + query).bodyAsString();
      String hit = onA.get(path + query).bodyAsString();
      assertEquals(reference.get(path + query).bodyAsString(), hit, query);
      assertEquals(miss, hit, query);
    }
    assertTrue(hits(a()) - hitsBefore >= queries.size(), "the second reads were cache hits");
    String conversation = reference.get("/v1/conversations/" + id).bodyAsString();
    onA.get("/v1/conversations/" + id);
    assertEquals(conversation, onA.get("/v1/conversations/" + id).bodyAsString());
  }

  @Test
  @DisplayName("A write on node B is seen by the next read on node A, whose cache was warm")
  void writeOnOneNodeReadOnAnother() {
    Http onA = Http.as(a(), "alice-two-nodes");
    Http onB = Http.as(b(), "alice-two-nodes");
    String id = conversationWith(onA, 3);
    String path = "/v1/conversations/" + id + "/messages?order=desc&limit=1";
    onA.get(path);
    onA.get("/v1/conversations/" + id);
    onB.post("/v1/conversations/" + id + "/messages", new JsonObject().put("messages",
        new JsonArray().add(new JsonObject().put("role", "user").put("content", "written on B"))));
    assertEquals("written on B", onA.get(path).bodyAsJsonObject().getJsonArray("data").getJsonObject(0).getString("content"));
    assertEquals(4, onA.get("/v1/conversations/" + id).bodyAsJsonObject().getInteger("message_count"));
    onB.patch("/v1/conversations/" + id, new JsonObject().put("title", "renamed on B"));
    assertEquals("renamed on B", onA.get("/v1/conversations/" + id).bodyAsJsonObject().getString("title"));
  }

  @Test
  @DisplayName("Delete and user erasure evict: the warm node answers 404 afterwards")
  void deleteAndEraseEvict() {
    Http onA = Http.as(a(), "alice-evict");
    Http onB = Http.as(b(), "alice-evict");
    String deleted = conversationWith(onA, 2);
    String erased = conversationWith(onA, 2);
    for (String id : List.of(deleted, erased)) {
      assertEquals(200, onA.get("/v1/conversations/" + id).statusCode());
      onA.get("/v1/conversations/" + id + "/messages");
    }
    assertEquals(204, onB.delete("/v1/conversations/" + deleted).statusCode());
    assertEquals(404, onA.get("/v1/conversations/" + deleted).statusCode());
    assertEquals(404, onA.get("/v1/conversations/" + deleted + "/messages").statusCode());
    assertEquals(204, onB.delete("/v1/users/me").statusCode());
    assertEquals(404, onA.get("/v1/conversations/" + erased).statusCode());
    assertEquals(404, onA.get("/v1/conversations/" + erased + "/messages").statusCode());
  }

  @Test
  @DisplayName("A cached conversation of user A is never served to user B")
  void keysAreOwners() {
    Http alice = Http.as(a(), "alice-keys");
    String id = conversationWith(alice, 2);
    alice.get("/v1/conversations/" + id);
    alice.get("/v1/conversations/" + id + "/messages");
    assertEquals(200, alice.get("/v1/conversations/" + id).statusCode());
    Http mallory = Http.as(a(), "mallory");
    assertEquals(404, mallory.get("/v1/conversations/" + id).statusCode());
    assertEquals(404, mallory.get("/v1/conversations/" + id + "/messages").statusCode());
  }

  @Test
  @DisplayName("Two nodes sharing a Redis enforce one combined per-user limit")
  void combinedLimit() {
    // A user of this run only: the limit's counters live in a Redis that another run may share.
    String carol = "carol-limit-" + java.util.UUID.randomUUID();
    Http onA = Http.as(a(), carol);
    Http onB = Http.as(b(), carol);
    JsonObject turn = new JsonObject().put("message", "hi");
    assertEquals(200, onA.post("/v1/chat", turn).statusCode());
    assertEquals(200, onB.post("/v1/chat", turn).statusCode());
    assertEquals(200, onA.post("/v1/chat", turn).statusCode());
    HttpResponse<Buffer> fourth = onB.post("/v1/chat", turn);
    assertEquals(429, fourth.statusCode(), "3 per minute across both nodes");
    assertEquals("3", fourth.getHeader("RateLimit-Limit"));
  }

}
