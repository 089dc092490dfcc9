package dev.parley.http;

import dev.parley.support.Http;
import dev.parley.support.TestServer;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static dev.parley.support.TestServer.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class IdempotencyTest {

  private static TestServer server;

  @BeforeAll
  static void start() {
    server = TestServer.start();
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  private static JsonObject append(String content) {
    return new JsonObject().put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", content)));
  }

  @Test
  @DisplayName("A retried create with the same key and body replays the first response and writes nothing")
  void replaysCreate() {
    Http alice = Http.as(server, "alice-idem-create");
    JsonObject body = new JsonObject().put("title", "once");
    HttpResponse<Buffer> first = alice.post("/v1/conversations", body, "create-1");
    HttpResponse<Buffer> retry = alice.post("/v1/conversations", body, "create-1");
    assertEquals(201, first.statusCode());
    assertNull(first.getHeader("Idempotent-Replayed"));
    assertEquals(201, retry.statusCode());
    assertEquals("true", retry.getHeader("Idempotent-Replayed"));
    assertEquals(first.bodyAsJsonObject(), retry.bodyAsJsonObject());
    assertEquals(1, alice.get("/v1/conversations").bodyAsJsonObject().getJsonArray("data").size());
  }

  @Test
  @DisplayName("The same key with another body is 422 and writes nothing")
  void differentBody() {
    Http alice = Http.as(server, "alice-idem-422");
    String id = alice.newConversation();
    String path = "/v1/conversations/" + id + "/messages";
    assertEquals(201, alice.post(path, append("first"), "k-422").statusCode());
    HttpResponse<Buffer> other = alice.post(path, append("second"), "k-422");
    assertEquals(422, other.statusCode());
    assertEquals("application/problem+json", other.getHeader("Content-Type"));
    assertEquals(1, alice.get(path).bodyAsJsonObject().getJsonArray("data").size());
  }

  @Test
  @DisplayName("While the first request with a key is still running, a retry is 409")
  void inFlight() {
    Http alice = Http.as(server, "alice-idem-409");
    String id = alice.newConversation();
    server.sql("INSERT INTO idempotency_keys (owner, key, operation, request_hash, status) "
        + "VALUES ('alice-idem-409', 'busy-key', 'x', 'y', 'running')");
    HttpResponse<Buffer> response = alice.post("/v1/conversations/" + id + "/messages", append("x"), "busy-key");
    assertEquals(409, response.statusCode());
    assertEquals(0, alice.get("/v1/conversations/" + id + "/messages").bodyAsJsonObject().getJsonArray("data").size());
  }

  @Test
  @DisplayName("Keys are per user: two users may use the same key independently")
  void perUser() {
    Http alice = Http.as(server, "alice-idem-user");
    Http bob = Http.as(server, "bob-idem-user");
    HttpResponse<Buffer> a = alice.post("/v1/conversations", new JsonObject(), "shared-key");
    HttpResponse<Buffer> b = bob.post("/v1/conversations", new JsonObject(), "shared-key");
    assertEquals(201, a.statusCode());
    assertEquals(201, b.statusCode());
    assertNull(b.getHeader("Idempotent-Replayed"));
    assertTrue(!a.bodyAsJsonObject().getString("id").equals(b.bodyAsJsonObject().getString("id")));
  }

  @Test
  @DisplayName("A failed first request releases its key, so the retry really runs")
  void failureReleasesKey() {
    Http alice = Http.as(server, "alice-idem-release");
    String missing = "/v1/conversations/5a5a5a5a-0000-4000-8000-000000000000/messages";
    assertEquals(404, alice.post(missing, append("x"), "k-release").statusCode());
    String id = alice.newConversation();
    // Another path is another request: the released key is free for it.
    assertEquals(201, alice.post("/v1/conversations/" + id + "/messages", append("x"), "k-release").statusCode());
  }

  @Test
  @DisplayName("Twenty concurrent appends with one key store exactly one message")
  void concurrentReplays() {
    Http alice = Http.as(server, "alice-idem-race");
    String id = alice.newConversation();
    String path = "/v1/conversations/" + id + "/messages";
    List<Future<HttpResponse<Buffer>>> all = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      all.add(alice.request(HttpMethod.POST, path).putHeader("Idempotency-Key", "race").sendJsonObject(append("only once")));
    }
    await(Future.join(all));
    int created = 0;
    for (Future<HttpResponse<Buffer>> f : all) {
      int status = f.result().statusCode();
      assertTrue(status == 201 || status == 409, "status " + status);
      if (status == 201 && f.result().getHeader("Idempotent-Replayed") == null) {
        created++;
      }
    }
    assertEquals(1, created);
    JsonArray stored = alice.get(path).bodyAsJsonObject().getJsonArray("data");
    assertEquals(1, stored.size());
    HttpResponse<Buffer> later = alice.post(path, append("only once"), "race");
    assertEquals("true", later.getHeader("Idempotent-Replayed"));
    assertEquals(stored.getJsonObject(0).getString("id"), later.bodyAsJsonObject().getJsonArray("data").getJsonObject(0).getString("id"));
    assertEquals(1, alice.get("/v1/conversations/" + id).bodyAsJsonObject().getInteger("message_count"));
  }
}
