package dev.parley.chat;

import dev.parley.support.ChatFixtures;
import dev.parley.support.FakeProvider;
import dev.parley.support.Http;
import dev.parley.support.Sse;
import dev.parley.support.TestServer;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static dev.parley.support.Eventually.eventually;
import static dev.parley.support.Eventually.eventuallyGet;
import static dev.parley.support.TestServer.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Provider hiccups: retries, time-outs, cut streams, vanished clients, and the call log. */
class ResilienceTest {

  private static final String CANARY = "CANARY-PROMPT-TEXT-7f3a";

  private static FakeProvider fake;
  private static TestServer server;

  @BeforeAll
  static void start() {
    fake = new FakeProvider();
    server = TestServer.start(ChatFixtures.env(fake, Map.of("PARLEY_CHAT_SSE_KEEPALIVE_MS", "100")));
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

  private static JsonObject problemBody(int status) {
    return new JsonObject().put("error", new JsonObject().put("message", "status " + status));
  }

  @Test
  @DisplayName("429 with Retry-After is waited out, then retried")
  void rateLimitedThenOk() {
    fake.then(call -> call.status(429, "1", problemBody(429)));
    long started = System.currentTimeMillis();
    HttpResponse<Buffer> turn = Http.as(server, "u-429").post("/v1/chat", new JsonObject().put("message", "hi"));
    assertEquals(200, turn.statusCode(), turn.bodyAsString());
    assertTrue(System.currentTimeMillis() - started >= 900, "waited for Retry-After");
    assertEquals(2, fake.calls().size());
  }

  @Test
  @DisplayName("500 and 529 are retried; every attempt has its own call-log row, without prompt text")
  void serverErrorsRetried() {
    fake.then(call -> call.status(500, null, problemBody(500))).then(call -> call.status(529, null, problemBody(529)));
    HttpResponse<Buffer> turn = Http.as(server, "u-5xx").post("/v1/chat", new JsonObject().put("message", CANARY));
    assertEquals(200, turn.statusCode(), turn.bodyAsString());
    assertEquals(3, fake.calls().size());
    String conversation = turn.bodyAsJsonObject().getString("conversation_id");
    String where = " FROM llm_calls WHERE conversation_id = '" + conversation + "'";
    assertEquals(3, waitForRows("SELECT count(*)" + where, 3));
    assertEquals(1, server.sqlLong("SELECT count(*)" + where + " AND attempt = 1 AND http_status = 500 AND error_class = 'OVERLOADED'"));
    assertEquals(1, server.sqlLong("SELECT count(*)" + where + " AND attempt = 2 AND http_status = 529"));
    assertEquals(1, server.sqlLong("SELECT count(*)" + where + " AND attempt = 3 AND status = 'ok' AND prompt_tokens = "
        + FakeProvider.PROMPT_TOKENS + " AND completion_tokens = " + FakeProvider.COMPLETION_TOKENS + " AND owner = 'u-5xx'"));
    assertEquals(0, server.sqlLong("SELECT count(*) FROM llm_calls WHERE concat_ws('|', request_id, owner, provider, model, "
        + "status, error_class) LIKE '%" + CANARY + "%' OR concat_ws('|', request_id, owner, provider, model, status, "
        + "error_class) LIKE '%sk-test%'"));
  }

  @Test
  @DisplayName("400, 401 and 402 are not retried: one call, a 502 problem, and the user message stays stored")
  void clientErrorsNotRetried() {
    for (int status : new int[] {400, 401, 402, 403}) {
      fake.reset();
      fake.then(call -> call.status(status, null, problemBody(status)));
      Http user = Http.as(server, "u-" + status);
      HttpResponse<Buffer> turn = user.post("/v1/chat", new JsonObject().put("message", "hi"));
      assertEquals(502, turn.statusCode(), "provider status " + status);
      assertEquals("application/problem+json", turn.getHeader("Content-Type"));
      assertFalse(turn.bodyAsString().contains("status " + status), "the provider's own error text is not passed on");
      assertEquals(1, fake.calls().size(), "provider status " + status);
      JsonArray conversations = user.get("/v1/conversations").bodyAsJsonObject().getJsonArray("data");
      assertEquals(1, conversations.getJsonObject(0).getInteger("message_count"));
    }
  }

  @Test
  @DisplayName("No first token in time: each attempt times out, then 504")
  void firstTokenTimeout() {
    fake.fallback(call -> { });
    long started = System.currentTimeMillis();
    HttpResponse<Buffer> turn = Http.as(server, "u-timeout").post("/v1/chat", new JsonObject().put("message", "hi"));
    assertEquals(504, turn.statusCode(), turn.bodyAsString());
    assertEquals(3, fake.calls().size());
    assertTrue(System.currentTimeMillis() - started >= 3 * 700);
  }

  @Test
  @DisplayName("A stream cut by the provider mid-way ends in an error event and a stored interrupted message, never retried")
  void streamCut() {
    fake.then(call -> call.reply(List.of("part one ", "part two ", "never sent"), 0, 2));
    Http user = Http.as(server, "u-cut");
    HttpResponse<Buffer> response = user.post("/v1/chat", new JsonObject().put("message", "tell me").put("stream", true));
    assertEquals(200, response.statusCode());
    List<Sse.Event> events = Sse.parse(response.bodyAsString());
    assertEquals("part one part two ", Sse.deltas(events));
    Sse.Event last = events.get(events.size() - 1);
    assertEquals("error", last.name());
    assertEquals(502, last.data().getInteger("status"));
    assertEquals(1, fake.calls().size());
    String conversation = user.get("/v1/conversations").bodyAsJsonObject().getJsonArray("data").getJsonObject(0).getString("id");
    JsonObject stored = user.get("/v1/conversations/" + conversation + "/messages").bodyAsJsonObject()
        .getJsonArray("data").getJsonObject(1);
    assertEquals("interrupted", stored.getString("status"));
    assertEquals("part one part two ", stored.getString("content"));
  }

  @Test
  @DisplayName("Anthropic in-stream error after a token: error event, the partial answer stored as interrupted, no retry")
  void anthropicInStreamError() {
    fake.then(call -> call.anthropicStreamError("half an answer", "overloaded_error"));
    Http user = Http.as(server, "u-anthropic-error");
    HttpResponse<Buffer> response = user.post("/v1/chat", new JsonObject().put("message", "go").put("model", "claude-fake")
        .put("stream", true));
    List<Sse.Event> events = Sse.parse(response.bodyAsString());
    assertEquals("half an answer", Sse.deltas(events));
    assertEquals("error", events.get(events.size() - 1).name());
    assertEquals(1, fake.calls().size());
    String conversation = user.get("/v1/conversations").bodyAsJsonObject().getJsonArray("data").getJsonObject(0).getString("id");
    JsonObject stored = user.get("/v1/conversations/" + conversation + "/messages").bodyAsJsonObject()
        .getJsonArray("data").getJsonObject(1);
    assertEquals("interrupted", stored.getString("status"));
    assertEquals("half an answer", stored.getString("content"));
  }

  @Test
  @DisplayName("A client that disconnects mid-stream: the call is cancelled and what was generated is stored as interrupted")
  void clientDisconnects() throws Exception {
    List<String> pieces = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      pieces.add("w" + i + " ");
    }
    fake.then(call -> call.reply(pieces, 50, -1));
    HttpClient client = server.clientVertx().createHttpClient();
    CompletableFuture<Void> sawDeltas = new CompletableFuture<>();
    RequestOptions options = new RequestOptions().setMethod(HttpMethod.POST).setHost("127.0.0.1").setPort(server.port())
        .setURI("/v1/chat").addHeader("Authorization", server.bearer("u-gone")).addHeader("Content-Type", "application/json");
    client.request(options).compose(req -> req.send(new JsonObject().put("message", "long story").put("stream", true).encode()))
        .onSuccess((HttpClientResponse response) -> {
          StringBuilder seen = new StringBuilder();
          response.handler(chunk -> {
            seen.append(chunk.toString());
            if (seen.toString().split("event: delta").length > 3 && !sawDeltas.isDone()) {
              sawDeltas.complete(null);
              response.request().connection().close();
            }
          });
        });
    sawDeltas.get(10, TimeUnit.SECONDS);
    Http user = Http.as(server, "u-gone");
    JsonObject assistant = eventuallyGet(10_000, "an interrupted message is stored", () -> {
      JsonArray conversations = user.get("/v1/conversations").bodyAsJsonObject().getJsonArray("data");
      if (conversations.isEmpty()) {
        return Optional.empty();
      }
      JsonArray messages = user.get("/v1/conversations/" + conversations.getJsonObject(0).getString("id") + "/messages")
          .bodyAsJsonObject().getJsonArray("data");
      return messages.size() == 2 ? Optional.of(messages.getJsonObject(1)) : Optional.empty();
    });
    assertEquals("interrupted", assistant.getString("status"));
    assertTrue(assistant.getString("content").startsWith("w0 w1 "), assistant.getString("content"));
    assertTrue(assistant.getString("content").length() < String.join("", pieces).length());
    assertEquals(1, fake.calls().size());
    await(client.close());
  }

  @Test
  @DisplayName("While the model thinks, the stream sends keep-alive comments")
  void keepAlive() {
    fake.then(call -> server.clientVertx().setTimer(450, id -> call.reply(List.of("late ", "answer"), 0, -1)));
    HttpResponse<Buffer> response = Http.as(server, "u-keepalive").post("/v1/chat",
        new JsonObject().put("message", "think").put("stream", true));
    String body = response.bodyAsString();
    assertTrue(body.contains(": keep-alive\n\n") && body.indexOf(": keep-alive") < body.indexOf("event: delta"), body);
    assertEquals("late answer", Sse.deltas(Sse.parse(response.bodyAsString())));
  }

  @Test
  @DisplayName("A model's RPM limit answers 429 with Retry-After and RateLimit headers, before calling the provider")
  void modelLimit() {
    Http user = Http.as(server, "u-model-limit");
    assertEquals(200, user.post("/v1/chat", new JsonObject().put("message", "one").put("model", "limited")).statusCode());
    HttpResponse<Buffer> limited = user.post("/v1/chat", new JsonObject().put("message", "two").put("model", "limited"));
    assertEquals(429, limited.statusCode());
    assertTrue(Integer.parseInt(limited.getHeader("Retry-After")) >= 1);
    assertEquals("1", limited.getHeader("RateLimit-Limit"));
    assertEquals("0", limited.getHeader("RateLimit-Remaining"));
    assertTrue(Integer.parseInt(limited.getHeader("RateLimit-Reset")) > 0);
    assertEquals(1, fake.calls().size());
  }

  /** The row count once it reaches {@code expected} (or the count at the time limit, for the caller to assert). */
  private static long waitForRows(String countQuery, long expected) {
    try {
      eventually(5_000, countQuery, () -> server.sqlLong(countQuery) >= expected);
    } catch (AssertionError tooFew) {
      // the caller asserts the exact count
    }
    return server.sqlLong(countQuery);
  }
}
