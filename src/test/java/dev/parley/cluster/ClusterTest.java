package dev.parley.cluster;

import dev.parley.bus.Addresses;
import dev.parley.bus.BusHeaders;
import dev.parley.bus.InternalAddresses;
import dev.parley.bus.Replies;
import dev.parley.config.ParleyConfig;
import dev.parley.support.ChatFixtures;
import dev.parley.support.FakeProvider;
import dev.parley.support.ParleyProcess;
import dev.parley.support.Sse;
import dev.parley.support.SseFollower;
import dev.parley.support.TestServer;
import dev.parley.support.TestServices;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static dev.parley.support.Eventually.eventuallyGet;
import static dev.parley.support.TestServer.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two clustered Parley nodes in child JVMs on one database, and this JVM as a client node of the
 * same Hazelcast cluster: HTTP on either node, the public addresses from the client with the
 * default codecs only, validation at the bus edge, and no internal address reachable from outside.
 * The event bus between them runs TLS with client certificates; a member without a trusted
 * certificate cannot call Parley.
 */
class ClusterTest {

  private static final String USER = "cluster-user";
  private static ParleyProcess a;
  private static ParleyProcess b;
  private static Vertx client;
  private static String token;
  private static FakeProvider fake;
  private static Vertx untrusted;
  private static final String STORE_PASSWORD = "cluster-test-secret";
  private static final int TURNS_PER_MINUTE = 20;
  private static JWTAuth signer;

  @BeforeAll
  static void start() throws Exception {
    int hzA = TestServices.freePort();
    int hzB = TestServices.freePort();
    int hzClient = TestServices.freePort();
    int hzUntrusted = TestServices.freePort();
    String members = "127.0.0.1:" + hzA + ",127.0.0.1:" + hzB + ",127.0.0.1:" + hzClient + ",127.0.0.1:" + hzUntrusted;
    Path certificates = java.nio.file.Files.createTempDirectory("parley-cluster-tls");
    Path trusted = keyPair(certificates, "trusted");
    Path trust = certificates.resolve("trust.p12");
    keytool("-exportcert", "-alias", "trusted", "-keystore", trusted.toString(), "-storepass", STORE_PASSWORD,
        "-file", certificates.resolve("trusted.crt").toString());
    keytool("-importcert", "-noprompt", "-alias", "trusted", "-file", certificates.resolve("trusted.crt").toString(),
        "-keystore", trust.toString(), "-storetype", "PKCS12", "-storepass", STORE_PASSWORD);
    tls = Map.of("PARLEY_CLUSTER_TLS_KEY_STORE", trusted.toString(), "PARLEY_CLUSTER_TLS_KEY_STORE_PASSWORD",
        STORE_PASSWORD, "PARLEY_CLUSTER_TLS_TRUST_STORE", trust.toString(), "PARLEY_CLUSTER_TLS_TRUST_STORE_PASSWORD",
        STORE_PASSWORD);
    String database = TestServices.freshDatabase();
    fake = new FakeProvider();
    a = ParleyProcess.start(node(database, members, hzA), false, Path.of("target", "cluster-node-a.log"));
    b = ParleyProcess.start(node(database, members, hzB), false, Path.of("target", "cluster-node-b.log"));
    Map<String, String> clientEnv = new HashMap<>(Map.of("PARLEY_CLUSTER_MEMBERS", members,
        "PARLEY_CLUSTER_PORT", Integer.toString(hzClient), "PARLEY_CLUSTER_INTERFACE", "127.0.0.1"));
    clientEnv.putAll(tls);
    // A plain cluster member: no Parley codec registered, no Parley verticle.
    client = await(Clustering.start(new VertxOptions(), ParleyConfig.load(clientEnv)));
    // A member with a certificate of its own that the nodes do not trust.
    Map<String, String> untrustedEnv = new HashMap<>(clientEnv);
    untrustedEnv.put("PARLEY_CLUSTER_PORT", Integer.toString(hzUntrusted));
    untrustedEnv.put("PARLEY_CLUSTER_TLS_KEY_STORE", keyPair(certificates, "untrusted").toString());
    untrusted = await(Clustering.start(new VertxOptions(), ParleyConfig.load(untrustedEnv)));
    signer = JWTAuth.create(client, new JWTAuthOptions()
        .addPubSecKey(new PubSecKeyOptions().setAlgorithm("HS256").setBuffer(TestServer.SECRET)));
    token = signer.generateToken(new JsonObject(), new JWTOptions().setSubject(USER).setExpiresInMinutes(60));
  }

  private static Map<String, String> tls;

  /** A clustered node talking to the fake provider (an OpenAI-compatible HTTP server in this JVM). */
  private static Map<String, String> node(String database, String members, int hazelcastPort) {
    Map<String, String> env = new HashMap<>(Map.of("PARLEY_PG_URL", database, "PARLEY_CLUSTER_ENABLED", "true",
        "PARLEY_CLUSTER_MEMBERS", members, "PARLEY_CLUSTER_PORT", Integer.toString(hazelcastPort),
        "PARLEY_CLUSTER_INTERFACE", "127.0.0.1", "PARLEY_REDIS_URL", TestServices.redisUrl(),
        "PARLEY_LIMITS_USER_REQUESTS_PER_MINUTE", Integer.toString(TURNS_PER_MINUTE)));
    env.putAll(tls);
    return ChatFixtures.env(fake, env);
  }

  /** A PKCS12 key store with a fresh EC key and a self-signed certificate for 127.0.0.1. */
  private static Path keyPair(Path dir, String name) throws Exception {
    Path store = dir.resolve(name + ".p12");
    keytool("-genkeypair", "-alias", name, "-keyalg", "EC", "-groupname", "secp256r1", "-validity", "2",
        "-dname", "CN=" + name, "-ext", "SAN=ip:127.0.0.1,dns:localhost", "-keystore", store.toString(),
        "-storetype", "PKCS12", "-storepass", STORE_PASSWORD, "-keypass", STORE_PASSWORD);
    return store;
  }

  private static void keytool(String... args) throws Exception {
    List<String> command = new java.util.ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "keytool")
        .toString()));
    command.addAll(List.of(args));
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes());
    assertTrue(process.waitFor(60, TimeUnit.SECONDS) && process.exitValue() == 0, "keytool: " + output);
  }

  @AfterAll
  static void stop() {
    if (client != null) {
      await(client.close());
    }
    if (untrusted != null) {
      await(untrusted.close());
    }
    if (a != null) {
      a.close();
    }
    if (b != null) {
      b.close();
    }
    if (fake != null) {
      fake.close();
    }
  }

  /** The fake model's answer, streamed in {@code n} pieces {@code gapMs} apart. */
  private static List<String> answerIn(int n, long gapMs) {
    List<String> pieces = new java.util.ArrayList<>();
    for (int i = 0; i < n; i++) {
      pieces.add("w" + i + " ");
    }
    fake.then(call -> call.reply(pieces, gapMs, -1));
    return pieces;
  }

  private static JsonObject http(ParleyProcess node, String method, String path, JsonObject body) throws Exception {
    HttpResponse<String> response = send(node, method, path, body, token);
    assertTrue(response.statusCode() < 300, method + " " + path + ": " + response.statusCode() + " " + response.body());
    return new JsonObject(response.body());
  }

  private static HttpResponse<String> send(ParleyProcess node, String method, String path, JsonObject body,
                                           String bearer) throws Exception {
    HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.port() + path))
        .header("Authorization", "Bearer " + bearer).header("Content-Type", "application/json")
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body.encode()))
        .build();
    return HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString());
  }

  private static DeliveryOptions asUser() {
    return new DeliveryOptions().addHeader(BusHeaders.USER, USER).setSendTimeout(10_000);
  }

  private static ReplyException busFailure(String address, JsonObject body, DeliveryOptions options) {
    ExecutionException e = assertThrows(ExecutionException.class, () -> client.eventBus().request(address, body, options)
        .toCompletionStage().toCompletableFuture().get(15, TimeUnit.SECONDS));
    return (ReplyException) e.getCause();
  }

  @Test
  @DisplayName("A conversation begun on node A's HTTP, continued on node B's, is read by a client node on the bus")
  void sharedAcrossNodesAndTheBus() throws Exception {
    String id = http(a, "POST", "/v1/conversations", new JsonObject().put("title", "clustered")).getString("id");
    http(a, "POST", "/v1/conversations/" + id + "/messages", new JsonObject().put("messages",
        new JsonArray().add(new JsonObject().put("role", "user").put("content", "from A"))));
    http(b, "POST", "/v1/conversations/" + id + "/messages", new JsonObject().put("messages",
        new JsonArray().add(new JsonObject().put("role", "assistant").put("content", "from B"))));
    assertEquals(2, http(b, "GET", "/v1/conversations/" + id, null).getInteger("message_count"));

    // The public addresses become known to the client once the cluster has shared the subscriptions.
    reachable(Addresses.CONVERSATIONS_LIST);
    JsonObject got = (JsonObject) await(client.eventBus().request(Addresses.CONVERSATIONS_GET,
        new JsonObject().put("id", id), asUser())).body();
    assertEquals("clustered", Replies.Conversation.fromJson(got).title());
    JsonObject page = (JsonObject) await(client.eventBus().request(Addresses.MESSAGES_LIST,
        new JsonObject().put("conversation_id", id), asUser())).body();
    assertEquals(List.of("from A", "from B"), Replies.Page.fromJson(page, Replies.Message::fromJson).data().stream()
        .map(Replies.Message::content).toList());
  }

  @Test
  @DisplayName("A follower on node B (SSE) and one on the client node (bus) see node A's appends in order, once; B's resumes after a reconnect")
  void followAcrossNodes() throws Exception {
    reachable(Addresses.CONVERSATIONS_LIST);
    String id = http(a, "POST", "/v1/conversations", new JsonObject()).getString("id");
    String events = "http://127.0.0.1:" + b.port() + "/v1/conversations/" + id + "/events";
    java.util.concurrent.LinkedBlockingQueue<Replies.ConversationEvent> onBus = new java.util.concurrent.LinkedBlockingQueue<>();
    String address = "client.follow." + java.util.UUID.randomUUID();
    io.vertx.core.eventbus.MessageConsumer<JsonObject> follower = client.eventBus().consumer(address, m -> {
      onBus.add(Replies.ConversationEvent.fromJson(m.body()));
      m.reply(null);
    });
    await(follower.completion());
    await(client.eventBus().request(Addresses.CONVERSATIONS_FOLLOW, new JsonObject().put("conversation_id", id),
        asUser().addHeader(BusHeaders.STREAM_ADDRESS, address)));
    String last;
    try (SseFollower onB = SseFollower.open(events, "Bearer " + token, null)) {
      assertEquals("conversation", onB.next(15).name());
      for (int i = 1; i <= 6; i++) {
        http(a, "POST", "/v1/conversations/" + id + "/messages", new JsonObject().put("messages",
            new JsonArray().add(new JsonObject().put("role", "user").put("content", "a" + i))));
      }
      for (int seq = 1; seq <= 6; seq++) {
        Sse.Event event = nextMessage(onB);
        assertEquals(Integer.toString(seq), event.id());
        assertEquals("a" + seq, event.data().getString("content"));
      }
      last = "6";
    }
    for (int seq = 1; seq <= 6; seq++) {
      Replies.ConversationEvent event;
      do {
        event = onBus.poll(15, TimeUnit.SECONDS);
      } while (event instanceof Replies.ConversationEvent.Ping || event instanceof Replies.ConversationEvent.ConversationChanged);
      assertEquals(seq, ((Replies.ConversationEvent.MessageCommitted) event).message().seq(), "on the bus, in order");
    }
    await(follower.unregister());
    http(a, "POST", "/v1/conversations/" + id + "/messages", new JsonObject().put("messages",
        new JsonArray().add(new JsonObject().put("role", "user").put("content", "while away"))));
    try (SseFollower again = SseFollower.open(events, "Bearer " + token, last)) {
      assertEquals("conversation", again.next(15).name());
      Sse.Event missed = nextMessage(again);
      assertEquals("7", missed.id());
      assertEquals("while away", missed.data().getString("content"));
      Sse.Event more = again.poll(1_000);
      assertTrue(more == null || "conversation".equals(more.name()), "nothing twice: " + more);
    }
  }

  private static Sse.Event nextMessage(SseFollower follower) {
    Sse.Event event;
    do {
      event = follower.next(15);
    } while ("conversation".equals(event.name()));
    return event;
  }

  @Test
  @DisplayName("The example client (examples/cluster-client) runs its walk-through as a client node")
  void exampleClient() {
    reachable(Addresses.CONVERSATIONS_LIST);
    answerIn(4, 10);
    example.ParleyClusterClient.Summary summary = await(example.ParleyClusterClient.walkThrough(client, "example-user"));
    assertEquals(List.of("Hello from a service", "Hello, service"), summary.history());
    assertEquals("w0 w1 w2 w3 ", summary.streamed());
    assertEquals(summary.streamed(), summary.answer());
    assertEquals(List.of(1L, 2L, 3L, 4L), summary.followedSeqs(), "the follow saw both appends and the turn, in order");
    JsonObject stored = (JsonObject) await(client.eventBus().request(Addresses.CONVERSATIONS_GET,
        new JsonObject().put("id", summary.conversationId()), new DeliveryOptions().addHeader(BusHeaders.USER, "example-user"))).body();
    assertEquals(4, stored.getInteger("message_count"));
  }

  @Test
  @DisplayName("From another node: an invalid request is a 400 problem, and internal addresses cannot be reached")
  void edgeFromAnotherNode() {
    reachable(Addresses.CONVERSATIONS_LIST);
    ReplyException invalid = busFailure(Addresses.CONVERSATIONS_CREATE, new JsonObject().put("colour", "red"), asUser());
    assertEquals(400, invalid.failureCode());
    assertEquals("/colour", new JsonObject(invalid.getMessage()).getJsonArray("errors").getJsonObject(0)
        .getString("pointer"));
    for (String internal : List.of(InternalAddresses.STORE_HEALTH, InternalAddresses.TURN_APPEND,
        InternalAddresses.LLM_COMPLETE)) {
      assertEquals(ReplyFailure.NO_HANDLERS, busFailure(internal, new JsonObject(), asUser()).failureType(), internal);
    }
  }

  @Test
  @DisplayName("A chat turn streams to a client node: deltas on its own address, acked, then the stored answer")
  void streamedTurnOverTheBus() throws Exception {
    reachable(Addresses.CONVERSATIONS_LIST);
    answerIn(5, 20);
    String address = "client.stream." + java.util.UUID.randomUUID();
    StringBuilder streamed = new StringBuilder();
    java.util.concurrent.atomic.AtomicInteger deltas = new java.util.concurrent.atomic.AtomicInteger();
    java.util.List<JsonObject> turnEvents = new java.util.concurrent.CopyOnWriteArrayList<>();
    await(client.eventBus().<JsonObject>consumer(address, delta -> {
      if (delta.body().containsKey("turn") || delta.body().containsKey("message")) {
        turnEvents.add(delta.body());
      } else {
        synchronized (streamed) {
          streamed.append(delta.body().getString("delta"));
        }
        deltas.incrementAndGet();
      }
      delta.reply(null);
    }).completion());
    JsonObject turn = (JsonObject) await(client.eventBus().request(Addresses.CHAT_TURN,
        new JsonObject().put("message", "stream to the client node"),
        asUser().setSendTimeout(60_000).addHeader(BusHeaders.STREAM_ADDRESS, address))).body();
    String answer = Replies.ChatTurn.fromJson(turn).message().content();
    assertEquals(5, deltas.get(), "the answer came in deltas");
    eventuallyGet(10_000, "the last event on the stream", () -> turnEvents.size() == 2 ? Optional.of(true) : Optional.empty());
    assertEquals(1L, turnEvents.get(0).getLong("n"), "the turn event first");
    assertEquals(7L, turnEvents.get(1).getLong("n"), "then five deltas, then the turn as its last event");
    assertEquals(turn.getJsonObject("message"), turnEvents.get(1).getJsonObject("message").getJsonObject("message"));
    assertEquals(Replies.ChatTurn.fromJson(turn).userMessage().id().toString(),
        turnEvents.get(0).getJsonObject("turn").getString("turn_id"));
    synchronized (streamed) {
      assertEquals("w0 w1 w2 w3 w4 ", streamed.toString());
    }
    assertEquals(streamed.toString(), answer);
  }

  @Test
  @DisplayName("A client node cancels a streamed turn by failing a delta: the partial answer is stored as interrupted")
  void clientCancelsOverTheBus() {
    reachable(Addresses.CONVERSATIONS_LIST);
    List<String> pieces = answerIn(40, 50);
    String address = "client.stream." + java.util.UUID.randomUUID();
    java.util.concurrent.atomic.AtomicInteger deltas = new java.util.concurrent.atomic.AtomicInteger();
    await(client.eventBus().<JsonObject>consumer(address, delta -> {
      if (deltas.incrementAndGet() >= 2) {
        delta.fail(499, "the client stopped");
      } else {
        delta.reply(null);
      }
    }).completion());
    JsonObject turn = (JsonObject) await(client.eventBus().request(Addresses.CHAT_TURN,
        new JsonObject().put("message", "cancel me"),
        asUser().setSendTimeout(60_000).addHeader(BusHeaders.STREAM_ADDRESS, address))).body();
    Replies.Message answer = Replies.ChatTurn.fromJson(turn).message();
    assertEquals(dev.parley.bus.MessageStatus.INTERRUPTED, answer.status(), turn.encode());
    assertTrue(answer.content().startsWith("w0 "), answer.content());
    assertTrue(answer.content().length() < String.join("", pieces).length(), "the call stopped early");
  }

  @Test
  @DisplayName("TLS with client certificates: a member whose certificate the nodes do not trust cannot call Parley")
  void untrustedMemberCannotCall() {
    reachable(Addresses.CONVERSATIONS_LIST);
    ExecutionException refused = assertThrows(ExecutionException.class, () -> untrusted.eventBus()
        .request(Addresses.CONVERSATIONS_LIST, new JsonObject(), asUser().setSendTimeout(5_000))
        .toCompletionStage().toCompletableFuture().get(15, TimeUnit.SECONDS));
    assertTrue(refused.getCause() instanceof ReplyException, refused.getCause().toString());
    assertTrue(((ReplyException) refused.getCause()).failureType() != ReplyFailure.RECIPIENT_FAILURE,
        "no Parley node answered it: " + refused.getCause());
  }

  @Test
  @DisplayName("A user's turns per minute hold across both nodes (Redis), within 5 % of the configured rate")
  void limitsHoldAcrossNodes() throws Exception {
    String bearer = signer.generateToken(new JsonObject(), new JWTOptions()
        .setSubject("limit-" + java.util.UUID.randomUUID()).setExpiresInMinutes(60));
    int accepted = 0;
    long started = System.nanoTime();
    for (int i = 0; i < 3 * TURNS_PER_MINUTE / 2; i++) {
      int status = send(i % 2 == 0 ? a : b, "POST", "/v1/chat", new JsonObject().put("message", "turn " + i), bearer)
          .statusCode();
      assertTrue(status == 200 || status == 429, "status " + status);
      accepted += status == 200 ? 1 : 0;
    }
    double minutes = (System.nanoTime() - started) / 60e9;
    double allowed = TURNS_PER_MINUTE * (1 + minutes);
    assertTrue(Math.abs(accepted - allowed) <= Math.max(1, 0.05 * allowed),
        accepted + " turns accepted through two nodes; the limit allows " + allowed);
  }

  @Test
  @DisplayName("A turn streaming on node A is stopped by DELETE /v1/chat/turns/{id} on node B")
  void cancelOnAnotherNode() throws Exception {
    answerIn(60, 50);
    try (SseFollower stream = SseFollower.post("http://127.0.0.1:" + a.port() + "/v1/chat", "Bearer " + token, null,
        new JsonObject().put("message", "long, on A").put("stream", true))) {
      Sse.Event first = stream.next(15);
      assertEquals("turn", first.name());
      String turn = first.data().getString("turn_id");
      assertEquals("delta", stream.next(15).name());
      assertEquals(204, send(b, "DELETE", "/v1/chat/turns/" + turn, null, token).statusCode());
      Sse.Event end;
      do {
        end = stream.next(15);
      } while ("delta".equals(end.name()));
      assertEquals("message", end.name());
      assertEquals("interrupted", end.data().getJsonObject("message").getString("status"));
    }
  }

  @Test
  @DisplayName("A clustered node still streams its own HTTP clients (SSE)")
  void httpStreamOnAClusteredNode() throws Exception {
    answerIn(3, 10);
    HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + b.port() + "/v1/chat"))
        .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(new JsonObject().put("message", "sse on B").put("stream", true).encode()))
        .build();
    HttpResponse<String> response = HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString());
    assertEquals(200, response.statusCode(), response.body());
    assertTrue(response.body().contains("event: delta"), response.body());
    assertTrue(response.body().contains("event: message"), response.body());
  }

  /** Waits until the client node has learnt the cluster's subscriptions for {@code address}. */
  private static void reachable(String address) {
    eventuallyGet(30_000, "the client node reaches " + address, () -> {
      try {
        return Optional.of(client.eventBus().request(address, new JsonObject(), asUser())
            .toCompletionStage().toCompletableFuture().get(15, TimeUnit.SECONDS));
      } catch (ExecutionException notYet) {
        return Optional.empty();
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });
  }
}
