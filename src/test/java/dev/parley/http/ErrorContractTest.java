package dev.parley.http;

import dev.parley.support.Http;
import dev.parley.support.TestServer;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static dev.parley.support.TestServer.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every error class answers RFC 9457 problem+json and changes nothing. */
class ErrorContractTest {

  private static TestServer server;
  private static Http alice;
  private static String conversation;

  @BeforeAll
  static void start() {
    // A small body limit keeps the 413 test light; the default (1 MiB) is checked in ConfigTest.
    server = TestServer.start(Map.of("PARLEY_LIMITS_BODY_BYTES", "65536"));
    alice = Http.as(server, "alice-errors");
    conversation = alice.newConversation(new JsonObject().put("title", "errors"));
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  static JsonObject assertProblem(HttpResponse<Buffer> response, int status) {
    assertEquals(status, response.statusCode(), response.bodyAsString());
    assertEquals("application/problem+json", response.getHeader("Content-Type"));
    JsonObject problem = response.bodyAsJsonObject();
    assertEquals(status, problem.getInteger("status"));
    assertNotNull(problem.getString("type"));
    assertNotNull(problem.getString("title"));
    assertNotNull(problem.getString("detail"));
    assertFalse(response.bodyAsString().contains("Exception"), "no exception names in " + response.bodyAsString());
    assertFalse(response.bodyAsString().contains("\tat "), "no stack traces");
    return problem;
  }

  private static String firstPointer(JsonObject problem) {
    return problem.getJsonArray("errors").getJsonObject(0).getString("pointer");
  }

  private static String messages() {
    return "/v1/conversations/" + conversation + "/messages";
  }

  private static JsonObject oneMessage(JsonObject message) {
    return new JsonObject().put("messages", new JsonArray().add(message));
  }

  @Test
  @DisplayName("Unknown paths are 404 problems, with and without a token")
  void unknownPath() {
    assertProblem(alice.get("/v1/nothing-here"), 404);
    assertProblem(Http.withAuthorization(server, null).get("/nothing"), 404);
  }

  @Test
  @DisplayName("A method a path does not support is a 405 problem")
  void methodNotAllowed() {
    assertProblem(await(alice.request(HttpMethod.PUT, "/v1/conversations").send()), 405);
  }

  @Test
  @DisplayName("A body over the limit is a 413 problem and stores nothing")
  void tooLarge() {
    String big = "{\"messages\":[{\"role\":\"user\",\"content\":\"" + "a".repeat(70_000) + "\"}]}";
    assertProblem(alice.postRaw(messages(), big), 413);
    assertEquals(0, alice.get(messages()).bodyAsJsonObject().getJsonArray("data").size());
  }

  @Test
  @DisplayName("Contract violations are 400 with JSON pointers to the offending values")
  void contractViolations() {
    JsonObject badRole = assertProblem(alice.post(messages(), oneMessage(new JsonObject().put("role", "robot").put("content", "x"))), 400);
    assertEquals("/messages/0/role", firstPointer(badRole));
    JsonObject missingContent = assertProblem(alice.post(messages(), oneMessage(new JsonObject().put("role", "user"))), 400);
    assertTrue(missingContent.getJsonArray("errors").size() >= 1);
    JsonObject empty = assertProblem(alice.post(messages(), new JsonObject().put("messages", new JsonArray())), 400);
    assertEquals("/messages", firstPointer(empty));
    JsonArray many = new JsonArray();
    for (int i = 0; i < 21; i++) {
      many.add(new JsonObject().put("role", "user").put("content", "m" + i));
    }
    assertProblem(alice.post(messages(), new JsonObject().put("messages", many)), 400);
    assertProblem(alice.post(messages(), oneMessage(new JsonObject().put("role", "user").put("content", "x").put("extra", 1))), 400);
    assertProblem(alice.get("/v1/conversations/not-a-uuid"), 400);
    assertProblem(alice.postRaw(messages(), "{\"messages\": [oops"), 400);
    assertEquals(0, alice.get(messages()).bodyAsJsonObject().getJsonArray("data").size());
  }

  @Test
  @DisplayName("A body that is not JSON is a 415 problem")
  void notJson() {
    assertProblem(await(alice.request(HttpMethod.POST, messages()).putHeader("Content-Type", "text/plain")
        .sendBuffer(Buffer.buffer("hello"))), 415);
  }

  @Test
  @DisplayName("NUL characters and lone surrogates anywhere are 400, never 500, and store nothing")
  void nulAndSurrogates() {
    JsonObject nul = assertProblem(alice.postRaw(messages(), "{\"messages\":[{\"role\":\"user\",\"content\":\"a\\u0000b\"}]}"), 400);
    assertEquals("/messages/0/content", firstPointer(nul));
    JsonObject lone = assertProblem(alice.postRaw(messages(), "{\"messages\":[{\"role\":\"user\",\"content\":\"a\\ud800b\"}]}"), 400);
    assertEquals("/messages/0/content", firstPointer(lone));
    assertProblem(alice.postRaw(messages(), "{\"messages\":[{\"role\":\"user\",\"content\":\"a\\udc00\"}]}"), 400);
    JsonObject key = assertProblem(alice.postRaw(messages(),
        "{\"messages\":[{\"role\":\"user\",\"content\":\"ok\",\"metadata\":{\"k\\u0000\":\"v\"}}]}"), 400);
    assertTrue(firstPointer(key).startsWith("/messages/0/metadata/"));
    assertProblem(alice.postRaw("/v1/conversations", "{\"title\":\"\\ud83d\"}"), 400);
    // A proper surrogate pair (an emoji) is fine.
    assertEquals(201, alice.postRaw("/v1/conversations", "{\"title\":\"pizza \\ud83c\\udf55\"}").statusCode());
    assertEquals(0, alice.get(messages()).bodyAsJsonObject().getJsonArray("data").size());
  }

  @Test
  @DisplayName("Metadata and title limits are 400 with pointers")
  void limits() {
    JsonObject tooMany = new JsonObject();
    for (int i = 0; i < 17; i++) {
      tooMany.put("k" + i, "v");
    }
    assertEquals("/metadata", firstPointer(assertProblem(alice.post("/v1/conversations", new JsonObject().put("metadata", tooMany)), 400)));
    assertProblem(alice.post("/v1/conversations", new JsonObject().put("metadata", new JsonObject().put("k".repeat(65), "v"))), 400);
    assertEquals("/metadata/k", firstPointer(assertProblem(alice.post("/v1/conversations",
        new JsonObject().put("metadata", new JsonObject().put("k", "v".repeat(513)))), 400)));
    assertProblem(alice.post("/v1/conversations", new JsonObject().put("metadata", new JsonObject().put("k", new JsonObject()))), 400);
    assertEquals("/title", firstPointer(assertProblem(alice.post("/v1/conversations", new JsonObject().put("title", "t".repeat(201))), 400)));
    assertProblem(alice.patch("/v1/conversations/" + conversation, new JsonObject().put("title", "t".repeat(201))), 400);
    assertEquals("errors", alice.get("/v1/conversations/" + conversation).bodyAsJsonObject().getString("title"));
    // Exactly at the limits is fine.
    JsonObject sixteen = new JsonObject();
    for (int i = 0; i < 16; i++) {
      sixteen.put("k" + i, "v".repeat(512));
    }
    assertEquals(201, alice.post("/v1/conversations", new JsonObject().put("metadata", sixteen).put("title", "t".repeat(200))).statusCode());
  }

  @Test
  @DisplayName("Every response carries an X-Request-Id; a sane one from the client is echoed")
  void requestIds() {
    assertNotNull(alice.get("/v1/conversations").getHeader("X-Request-Id"));
    assertNotNull(alice.get("/v1/nothing").getHeader("X-Request-Id"));
    HttpResponse<Buffer> echoed = await(alice.request(HttpMethod.GET, "/v1/conversations").putHeader("X-Request-Id", "abc-123").send());
    assertEquals("abc-123", echoed.getHeader("X-Request-Id"));
  }
}
