package dev.parley.http;

import dev.parley.support.Http;
import dev.parley.support.TestServer;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;


import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/** An unexpected database error is a 500 problem that says nothing about the database. */
class DatabaseFaultTest {

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
  @DisplayName("A broken schema answers 500 problem+json without SQL, table names or stack traces")
  void internalErrorsStayInside() {
    Http alice = Http.as(server, "alice-fault");
    String id = alice.newConversation(new JsonObject().put("messages",
        new JsonArray().add(new JsonObject().put("role", "user").put("content", "hi"))));
    server.sql("ALTER TABLE messages RENAME COLUMN content TO content_gone");
    HttpResponse<Buffer> response = alice.get("/v1/conversations/" + id + "/messages");
    JsonObject problem = ErrorContractTest.assertProblem(response, 500);
    assertEquals("/problems/internal", problem.getString("type"));
    String body = response.bodyAsString();
    for (String leak : new String[] {"content", "SELECT", "column", "messages", "42703"}) {
      assertFalse(body.contains(leak), "leaks " + leak + ": " + body);
    }
  }
}
