package dev.parley.cluster;

import dev.parley.support.ChatFixtures;
import dev.parley.support.Eventually;
import dev.parley.support.FakeProvider;
import dev.parley.support.ParleyProcess;
import dev.parley.support.Sse;
import dev.parley.support.SseFollower;
import dev.parley.support.TestServer;
import dev.parley.support.TestServices;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two clustered Parley nodes in child JVMs on one database and one Redis, and what happens when one
 * of them is SIGKILLed: with clients appending through both, and in the middle of a streamed turn.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class NodeLossTest {

  private static final String USER = "node-loss-user";
  private static final int WRITERS = 4;
  private static final int APPENDS_EACH = 30;
  private static FakeProvider fake;
  private static Map<String, String> envA;
  private static ParleyProcess a;
  private static ParleyProcess b;
  private static String bearer;
  private static Vertx signerVertx;
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2))
      .version(HttpClient.Version.HTTP_1_1).build();

  @BeforeAll
  static void start() throws Exception {
    int hzA = TestServices.freePort();
    int hzB = TestServices.freePort();
    String members = "127.0.0.1:" + hzA + ",127.0.0.1:" + hzB;
    String database = TestServices.freshDatabase();
    fake = new FakeProvider();
    envA = node(database, members, hzA);
    a = ParleyProcess.start(envA, false, Path.of("target", "node-loss-a.log"));
    b = ParleyProcess.start(node(database, members, hzB), false, Path.of("target", "node-loss-b.log"));
    signerVertx = Vertx.vertx();
    JWTAuth signer = JWTAuth.create(signerVertx, new JWTAuthOptions()
        .addPubSecKey(new PubSecKeyOptions().setAlgorithm("HS256").setBuffer(TestServer.SECRET)));
    bearer = "Bearer " + signer.generateToken(new JsonObject(), new JWTOptions().setSubject(USER).setExpiresInMinutes(60));
  }

  private static Map<String, String> node(String database, String members, int hazelcastPort) {
    return ChatFixtures.env(fake, new HashMap<>(Map.of("PARLEY_PG_URL", database, "PARLEY_CLUSTER_ENABLED", "true",
        "PARLEY_CLUSTER_MEMBERS", members, "PARLEY_CLUSTER_PORT", Integer.toString(hazelcastPort),
        "PARLEY_CLUSTER_INTERFACE", "127.0.0.1", "PARLEY_REDIS_URL", TestServices.redisUrl(),
        "PARLEY_LLM_TOTAL_TIMEOUT_MS", "60000", "PARLEY_LIMITS_USER_REQUESTS_PER_MINUTE", "1000")));
  }

  @AfterAll
  static void stop() {
    for (ParleyProcess node : new ParleyProcess[] {a, b}) {
      if (node != null) {
        node.close();
      }
    }
    if (fake != null) {
      fake.close();
    }
    if (signerVertx != null) {
      signerVertx.close();
    }
  }

  private static HttpResponse<String> send(ParleyProcess node, String method, String path, JsonObject body, String key)
      throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.port() + path))
        .timeout(Duration.ofSeconds(15)).header("Authorization", bearer).header("Content-Type", "application/json")
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body.encode()));
    if (key != null) {
      request.header("Idempotency-Key", key);
    }
    return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  @Order(1)
  @DisplayName("SIGKILL while clients append through both nodes with keys and retries: every acknowledged message once, seq gapless")
  void killWhileAppending() throws Exception {
    String conversation = new JsonObject(send(b, "POST", "/v1/conversations", new JsonObject(), null).body()).getString("id");
    String path = "/v1/conversations/" + conversation + "/messages";
    Set<String> acknowledged = ConcurrentHashMap.newKeySet();
    AtomicInteger retries = new AtomicInteger();
    ExecutorService writers = Executors.newFixedThreadPool(WRITERS);
    List<Future<?>> done = new ArrayList<>();
    for (int w = 0; w < WRITERS; w++) {
      int writer = w;
      done.add(writers.submit(() -> {
        for (int i = 0; i < APPENDS_EACH; i++) {
          String content = "w" + writer + "-" + i;
          String key = UUID.randomUUID().toString();
          JsonObject body = new JsonObject().put("messages", new JsonArray().add(ChatFixtures.userMessage(content)));
          long deadline = System.currentTimeMillis() + 60_000;
          for (int attempt = 0; ; attempt++) {
            // Alternate between the nodes; a retry goes to the other one, with the same key.
            ParleyProcess node = (i + attempt + writer) % 2 == 0 ? a : b;
            try {
              HttpResponse<String> response = send(node, "POST", path, body, key);
              if (response.statusCode() == 201) {
                acknowledged.add(content);
                break;
              }
              assertTrue(response.statusCode() == 409 || response.statusCode() >= 500, response.body());
            } catch (java.io.IOException refusedOrReset) {
              // the node is gone: retry elsewhere
            }
            retries.incrementAndGet();
            assertTrue(System.currentTimeMillis() < deadline, "no acknowledgement within 60 s for " + content);
            Eventually.pause(100);
          }
        }
        return null;
      }));
    }
    Eventually.eventually(30_000, "writers under way", () -> acknowledged.size() >= 20);
    a.kill();
    for (Future<?> f : done) {
      f.get(120, TimeUnit.SECONDS);
    }
    writers.shutdown();
    assertEquals(WRITERS * APPENDS_EACH, acknowledged.size());

    List<String> stored = new ArrayList<>();
    List<Long> seqs = new ArrayList<>();
    String after = null;
    while (true) {
      JsonObject page = new JsonObject(send(b, "GET", path + "?limit=100" + (after == null ? "" : "&after=" + after),
          null, null).body());
      for (Object m : page.getJsonArray("data")) {
        JsonObject message = (JsonObject) m;
        stored.add(message.getString("content"));
        seqs.add(message.getLong("seq"));
      }
      if (!page.getBoolean("has_more")) {
        break;
      }
      after = page.getString("last_id");
    }
    assertEquals(acknowledged.size(), stored.size(), "each acknowledged message stored exactly once (retries: " + retries + ")");
    assertEquals(acknowledged, Set.copyOf(stored));
    for (int i = 0; i < seqs.size(); i++) {
      assertEquals(i + 1L, seqs.get(i), "seq is gapless");
    }
    assertTrue(retries.get() > 0, "the kill was felt by the clients");
  }

  @Test
  @Order(2)
  @DisplayName("SIGKILL the node streaming a turn: a follower on the other node gets the answer so far, stored once as interrupted")
  void killMidTurn() throws Exception {
    if (!a.process().isAlive()) {
      a = ParleyProcess.start(envA, false, Path.of("target", "node-loss-a2.log"));
    }
    List<String> pieces = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      pieces.add("t" + i + " ");
    }
    fake.then(call -> call.reply(pieces, 100, -1));
    List<Sse.Event> before = new ArrayList<>();
    try (SseFollower stream = SseFollower.post("http://127.0.0.1:" + a.port() + "/v1/chat", bearer, null,
        new JsonObject().put("message", "a long story").put("stream", true))) {
      assertEquals(200, stream.status());
      while (before.stream().filter(e -> "delta".equals(e.name())).count() < 5) {
        before.add(stream.next(15));
      }
      a.kill();
    }
    String turn = before.get(0).data().getString("turn_id");
    assertTrue(before.get(0).data().getBoolean("resumable"));
    String lastId = before.get(before.size() - 1).id();
    List<Sse.Event> rest = new ArrayList<>();
    long started = System.currentTimeMillis();
    try (SseFollower follower = SseFollower.open("http://127.0.0.1:" + b.port() + "/v1/chat/turns/" + turn + "/events",
        bearer, lastId)) {
      assertEquals(200, follower.status());
      for (Sse.Event e = follower.next(30); !SseFollower.END.equals(e.name()); e = follower.next(30)) {
        rest.add(e);
      }
    }
    Sse.Event end = rest.get(rest.size() - 1);
    assertEquals("message", end.name(), rest.toString());
    JsonObject stored = end.data().getJsonObject("message");
    assertEquals("interrupted", stored.getString("status"));
    assertEquals(Sse.deltas(before) + Sse.deltas(rest), stored.getString("content"), "the answer so far, nothing twice");
    assertTrue(stored.getString("content").length() < String.join("", pieces).length());
    assertTrue(System.currentTimeMillis() - started < 20_000, "taken over within seconds of the heartbeat stopping");
    JsonObject conversation = new JsonObject(send(b, "GET", "/v1/conversations/" + end.data().getString("conversation_id"),
        null, null).body());
    assertEquals(2, conversation.getInteger("message_count"), "the question and one answer");
  }
}
