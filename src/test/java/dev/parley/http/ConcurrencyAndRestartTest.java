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

class ConcurrencyAndRestartTest {

  private static TestServer server;

  @BeforeAll
  static void start() {
    server = TestServer.start();
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  @Test
  @DisplayName("50 concurrent appends to one conversation get seq 1..50 with no gap or duplicate")
  void gaplessUnderConcurrency() {
    Http alice = Http.as(server, "alice-concurrent");
    String id = alice.newConversation();
    String path = "/v1/conversations/" + id + "/messages";
    List<Future<HttpResponse<Buffer>>> all = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      all.add(alice.request(HttpMethod.POST, path).sendJsonObject(new JsonObject().put("messages",
          new JsonArray().add(new JsonObject().put("role", "user").put("content", "message " + i)))));
    }
    await(Future.join(all));
    for (Future<HttpResponse<Buffer>> f : all) {
      assertEquals(201, f.result().statusCode(), f.result().bodyAsString());
    }
    JsonArray data = alice.get(path + "?limit=100").bodyAsJsonObject().getJsonArray("data");
    assertEquals(50, data.size());
    for (int i = 0; i < 50; i++) {
      assertEquals(i + 1L, data.getJsonObject(i).getLong("seq"));
    }
    assertEquals(50, alice.get("/v1/conversations/" + id).bodyAsJsonObject().getInteger("message_count"));
  }

  @Test
  @DisplayName("After a restart on the same database everything is still there, and migrations change nothing")
  void survivesRestart() {
    Http alice = Http.as(server, "alice-restart");
    String id = alice.newConversation(new JsonObject().put("title", "durable").put("messages",
        new JsonArray().add(new JsonObject().put("role", "user").put("content", "remember me"))));
    JsonObject before = alice.get("/v1/conversations/" + id).bodyAsJsonObject();
    long migrations = countMigrations();
    server.restart();
    assertEquals(before, alice.get("/v1/conversations/" + id).bodyAsJsonObject());
    assertEquals("remember me", alice.get("/v1/conversations/" + id + "/messages").bodyAsJsonObject()
        .getJsonArray("data").getJsonObject(0).getString("content"));
    assertEquals(migrations, countMigrations());
    // And it keeps appending where it left off.
    JsonObject next = alice.post("/v1/conversations/" + id + "/messages", new JsonObject().put("messages",
        new JsonArray().add(new JsonObject().put("role", "user").put("content", "again")))).bodyAsJsonObject();
    assertEquals(2L, next.getJsonArray("data").getJsonObject(0).getLong("seq"));
  }

  private static long countMigrations() {
    return server.sqlLong("SELECT count(*) FROM flyway_schema_history");
  }
}
