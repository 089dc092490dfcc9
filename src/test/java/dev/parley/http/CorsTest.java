package dev.parley.http;

import dev.parley.support.ChatFixtures;
import dev.parley.support.FakeProvider;
import dev.parley.support.TestServer;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** CORS for browser apps: preflights answered for the configured origins only, headers on every answer, SSE too. */
class CorsTest {

  private static final String APP = "https://app.example.com";

  private static FakeProvider fake;
  private static TestServer server;

  @BeforeAll
  static void start() {
    fake = new FakeProvider();
    Map<String, String> env = new HashMap<>(ChatFixtures.env(fake, Map.of()));
    env.put("PARLEY_HTTP_CORS_ORIGINS", APP + ", https://admin.example.com");
    server = TestServer.start(env);
  }

  @AfterAll
  static void stop() {
    server.close();
    fake.close();
  }

  private static HttpResponse<Buffer> preflight(TestServer node, String origin, String method, String headers) {
    HttpRequest<Buffer> request = node.client().request(HttpMethod.OPTIONS, node.port(), "127.0.0.1", "/v1/chat")
        .putHeader("Origin", origin).putHeader("Access-Control-Request-Method", method);
    if (headers != null) {
      request.putHeader("Access-Control-Request-Headers", headers);
    }
    return TestServer.await(request.send());
  }

  @Test
  @DisplayName("A preflight from an allowed origin is answered without a token: methods, headers, max-age")
  void preflight() {
    HttpResponse<Buffer> answer = preflight(server, APP, "POST", "authorization, content-type, idempotency-key");
    assertTrue(answer.statusCode() == 200 || answer.statusCode() == 204, answer.statusCode() + " " + answer.bodyAsString());
    assertEquals(APP, answer.getHeader("Access-Control-Allow-Origin"));
    assertTrue(answer.getHeader("Access-Control-Allow-Methods").contains("POST"));
    String allowed = answer.getHeader("Access-Control-Allow-Headers").toLowerCase();
    assertTrue(allowed.contains("authorization") && allowed.contains("idempotency-key"), allowed);
    assertEquals("600", answer.getHeader("Access-Control-Max-Age"));
    assertEquals(403, preflight(server, "https://evil.example.net", "POST", "authorization").statusCode(),
        "another origin is refused");
  }

  @Test
  @DisplayName("Answers to an allowed origin carry the CORS headers, errors and SSE streams included")
  void answers() {
    HttpResponse<Buffer> turn = TestServer.await(server.client().post(server.port(), "127.0.0.1", "/v1/chat")
        .putHeader("Origin", APP).putHeader("Authorization", server.bearer("alice-cors"))
        .sendJsonObject(new JsonObject().put("message", "hello from a browser")));
    assertEquals(200, turn.statusCode(), turn.bodyAsString());
    assertEquals(APP, turn.getHeader("Access-Control-Allow-Origin"));
    assertTrue(turn.getHeader("Access-Control-Expose-Headers").contains("X-Request-Id"));

    HttpResponse<Buffer> unauthorized = TestServer.await(server.client().get(server.port(), "127.0.0.1", "/v1/conversations")
        .putHeader("Origin", APP).send());
    assertEquals(401, unauthorized.statusCode());
    assertEquals(APP, unauthorized.getHeader("Access-Control-Allow-Origin"), "a page can read the problem");

    HttpResponse<Buffer> streamed = TestServer.await(server.client().post(server.port(), "127.0.0.1", "/v1/chat")
        .putHeader("Origin", APP).putHeader("Authorization", server.bearer("alice-cors"))
        .putHeader("Accept", "text/event-stream")
        .sendJsonObject(new JsonObject().put("message", "stream it").put("stream", true)));
    assertEquals(200, streamed.statusCode());
    assertTrue(streamed.getHeader("Content-Type").startsWith("text/event-stream"));
    assertEquals(APP, streamed.getHeader("Access-Control-Allow-Origin"));

    // The OpenAI-compatible endpoint: a page reads the conversation header it answers with.
    assertEquals(APP, preflight(server, APP, "POST", "authorization, content-type, x-parley-conversation-id")
        .getHeader("Access-Control-Allow-Origin"));
    HttpResponse<Buffer> completion = TestServer.await(server.client().post(server.port(), "127.0.0.1", "/v1/chat/completions")
        .putHeader("Origin", APP).putHeader("Authorization", server.bearer("alice-cors"))
        .putHeader("X-Parley-Conversation-Id", "new")
        .sendJsonObject(new JsonObject().put("model", "fake-gpt").put("messages", new io.vertx.core.json.JsonArray()
            .add(new JsonObject().put("role", "user").put("content", "hi")))));
    assertEquals(200, completion.statusCode(), completion.bodyAsString());
    assertEquals(APP, completion.getHeader("Access-Control-Allow-Origin"));
    assertTrue(completion.getHeader("Access-Control-Expose-Headers").contains("X-Parley-Conversation-Id"));

    HttpResponse<Buffer> other = TestServer.await(server.client().get(server.port(), "127.0.0.1", "/health/live")
        .putHeader("Origin", "https://evil.example.net").send());
    assertNull(other.getHeader("Access-Control-Allow-Origin"));
  }

  @Test
  @DisplayName("Off by default: no CORS headers, and a preflight is not answered")
  void offByDefault() {
    try (TestServer plain = TestServer.start()) {
      HttpResponse<Buffer> answer = preflight(plain, APP, "POST", "authorization");
      assertEquals(405, answer.statusCode());
      assertNull(answer.getHeader("Access-Control-Allow-Origin"));
    }
  }
}
