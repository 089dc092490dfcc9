package dev.parley.http;

import dev.parley.support.ChatFixtures;
import dev.parley.support.FakeProvider;
import dev.parley.support.Http;
import dev.parley.support.Metrics;
import dev.parley.support.SseFollower;
import dev.parley.support.TestServer;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static dev.parley.support.TestServer.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** http.max_in_flight: past it, API requests are refused at once with 503 overloaded; streams do not hold a place. */
class LoadSheddingTest {

  private static final int LIMIT = 3;
  private static FakeProvider fake;
  private static TestServer server;
  private static WebClient client;

  @BeforeAll
  static void start() {
    fake = new FakeProvider();
    server = TestServer.start(ChatFixtures.env(fake, Map.of("PARLEY_HTTP_MAX_IN_FLIGHT", Integer.toString(LIMIT),
        "PARLEY_LLM_FIRST_TOKEN_TIMEOUT_MS", "30000")));
    client = WebClient.create(server.clientVertx(), new WebClientOptions().setDefaultHost("127.0.0.1")
        .setDefaultPort(server.port()), new PoolOptions().setHttp1MaxSize(16));
  }

  @AfterAll
  static void stop() {
    client.close();
    server.close();
    fake.close();
  }

  private static void awaitCondition(java.util.function.BooleanSupplier condition) throws InterruptedException {
    long end = System.currentTimeMillis() + 10_000;
    while (!condition.getAsBoolean()) {
      assertTrue(System.currentTimeMillis() < end, "condition not met within 10 s");
      Thread.sleep(20);
    }
  }

  @Test
  @DisplayName("With max_in_flight requests at work, the next API request gets 503 overloaded with Retry-After at once; probes still answer; once they end, requests are admitted again")
  void shedsPastTheLimit() throws InterruptedException {
    Http alice = Http.as(server, "alice-shed");
    String conversation = alice.newConversation();
    List<FakeProvider.Call> held = new CopyOnWriteArrayList<>();
    fake.fallback(held::add);
    double shedBefore = Metrics.value(server, "parley_http_shed_total");

    List<Future<HttpResponse<Buffer>>> turns = new ArrayList<>();
    for (int i = 0; i < LIMIT; i++) {
      turns.add(client.request(HttpMethod.POST, "/v1/chat").putHeader("Authorization", server.bearer("alice-shed"))
          .sendJsonObject(new JsonObject().put("conversation_id", conversation).put("message", "slow turn " + i)));
    }
    awaitCondition(() -> held.size() == LIMIT);

    long started = System.nanoTime();
    HttpResponse<Buffer> refused = alice.get("/v1/conversations/" + conversation);
    long tookMs = (System.nanoTime() - started) / 1_000_000;
    assertEquals(503, refused.statusCode(), refused.bodyAsString());
    assertEquals("application/problem+json", refused.getHeader("Content-Type"));
    assertEquals("1", refused.getHeader("Retry-After"));
    assertEquals("/problems/overloaded", refused.bodyAsJsonObject().getString("type"));
    assertTrue(tookMs < 2_000, "refused at once, not after waiting: " + tookMs + " ms");
    // Refused before any work: even a request without a token is shed, not answered 401.
    assertEquals(503, Http.withAuthorization(server, null).get("/v1/conversations").statusCode());
    assertEquals(200, Http.withAuthorization(server, null).get("/health/live").statusCode());
    assertTrue(Metrics.value(server, "parley_http_shed_total") >= shedBefore + 2);

    held.forEach(call -> call.reply("done"));
    for (Future<HttpResponse<Buffer>> turn : turns) {
      assertEquals(200, await(turn).statusCode());
    }
    awaitCondition(() -> alice.get("/v1/conversations/" + conversation).statusCode() == 200);
    // Three turns and their answers: nothing of the admitted work was lost.
    assertEquals(6, alice.get("/v1/conversations/" + conversation).bodyAsJsonObject().getInteger("message_count"));
    fake.reset();
  }

  @Test
  @DisplayName("Open SSE follows do not hold a place: with more streams open than the limit, requests are still admitted")
  void streamsDoNotHoldPlaces() throws Exception {
    Http bob = Http.as(server, "bob-shed");
    String conversation = bob.newConversation();
    List<SseFollower> follows = new ArrayList<>();
    try {
      for (int i = 0; i < LIMIT + 2; i++) {
        SseFollower follow = SseFollower.open("http://127.0.0.1:" + server.port() + "/v1/conversations/" + conversation
            + "/events", server.bearer("bob-shed"), null);
        follows.add(follow);
        assertEquals(200, follow.status());
        assertEquals("conversation", follow.next(10).name());
      }
      awaitCondition(() -> bob.get("/v1/conversations/" + conversation).statusCode() == 200);
      assertEquals(200, bob.get("/v1/conversations/" + conversation + "/messages").statusCode());
    } finally {
      follows.forEach(SseFollower::close);
    }
  }
}
