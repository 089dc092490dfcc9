package dev.parley.http;

import dev.parley.support.ChatFixtures;
import dev.parley.support.FakeProvider;
import dev.parley.support.Http;
import dev.parley.support.TestServer;
import dev.parley.support.TestServices;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Anonymous principals: issued by Parley, limited apart, claimed by one signed-in user, refused when off. */
class AnonymousUsersTest {

  private static FakeProvider fake;
  private static TestServer server;

  @BeforeAll
  static void start() {
    fake = new FakeProvider();
    Map<String, String> env = new HashMap<>(ChatFixtures.env(fake, Map.of()));
    env.put("PARLEY_REDIS_URL", TestServices.redisUrl());
    env.put("PARLEY_ANONYMOUS_REQUESTS_PER_MINUTE", "3");
    server = TestServer.start(env);
  }

  @AfterAll
  static void stop() {
    server.close();
    fake.close();
  }

  private static JsonObject issue() {
    HttpResponse<Buffer> issued = Http.withAuthorization(server, null).post("/v1/auth/anonymous", new JsonObject());
    assertEquals(201, issued.statusCode(), issued.bodyAsString());
    assertEquals("no-store", issued.getHeader("Cache-Control"));
    return issued.bodyAsJsonObject();
  }

  private static Http as(JsonObject anonymous) {
    return Http.withAuthorization(server, "Bearer " + anonymous.getString("token"));
  }

  private static List<String> titles(Http user) {
    List<String> titles = new ArrayList<>();
    user.get("/v1/conversations").bodyAsJsonObject().getJsonArray("data")
        .forEach(c -> titles.add(((JsonObject) c).getString("title")));
    return titles;
  }

  @Test
  @DisplayName("An anonymous principal chats with its own tighter limits; its token names only itself")
  void anonymousChats() {
    JsonObject anonymous = issue();
    String user = anonymous.getString("user_id");
    assertTrue(user.matches("anon-[0-9a-f-]{36}"), user);
    assertEquals("Bearer", anonymous.getString("token_type"));
    JsonObject other = issue();
    assertNotEquals(user, other.getString("user_id"));
    Http anon = as(anonymous);
    for (int i = 0; i < 3; i++) {
      assertEquals(200, anon.post("/v1/chat", new JsonObject().put("message", "hello " + i)).statusCode());
    }
    HttpResponse<Buffer> limited = anon.post("/v1/chat", new JsonObject().put("message", "one more"));
    assertEquals(429, limited.statusCode(), "3 turns a minute for anonymous principals");
    assertEquals("3", limited.getHeader("RateLimit-Limit"));
    // A signed-in user keeps the normal limit.
    Http signedIn = Http.as(server, "sam-normal-limits");
    for (int i = 0; i < 4; i++) {
      assertEquals(200, signedIn.post("/v1/chat", new JsonObject().put("message", "hi " + i)).statusCode());
    }
    assertEquals(3, titles(anon).size());
    assertTrue(titles(as(other)).isEmpty(), "another anonymous principal sees nothing");
  }

  @Test
  @DisplayName("Tokens cannot pass for each other: the app's key may not name anon-*, a forged anonymous token is 401")
  void keysStayApart() {
    String spoof = server.sign(new JsonObject(), new JWTOptions().setSubject("anon-00000000-0000-4000-8000-000000000000")
        .setExpiresInMinutes(5));
    assertEquals(401, Http.withAuthorization(server, "Bearer " + spoof).get("/v1/conversations").statusCode());
    // The app's key signing a token shaped like an anonymous one is still not an anonymous token.
    String shaped = server.sign(new JsonObject().put("anonymous", true), new JWTOptions().setIssuer("parley-anonymous")
        .setSubject("anon-00000000-0000-4000-8000-000000000001").setExpiresInMinutes(5));
    assertEquals(401, Http.withAuthorization(server, "Bearer " + shaped).get("/v1/conversations").statusCode());
    String token = issue().getString("token");
    String tampered = token.substring(0, token.length() - 2) + (token.endsWith("A") ? "BB" : "AA");
    assertEquals(401, Http.withAuthorization(server, "Bearer " + tampered).get("/v1/conversations").statusCode());
  }

  @Test
  @DisplayName("A signed-in user claims an anonymous principal: every conversation moves at once, twice is fine, "
      + "another user is refused, the anonymous token sees nothing afterwards")
  void claim() {
    JsonObject anonymous = issue();
    Http anon = as(anonymous);
    String first = anon.post("/v1/conversations", new JsonObject().put("title", "first anonymous")).bodyAsJsonObject()
        .getString("id");
    anon.post("/v1/conversations/" + first + "/messages", new JsonObject().put("messages", new JsonArray()
        .add(new JsonObject().put("role", "user").put("content", "kept across the claim"))));
    anon.post("/v1/conversations", new JsonObject().put("title", "second anonymous"));
    assertEquals(2, titles(anon).size());
    // Cached under the anonymous owner: the claim must retire it.
    assertEquals(200, anon.get("/v1/conversations/" + first + "/messages").statusCode());
    assertEquals(200, anon.get("/v1/conversations/" + first + "/messages").statusCode());

    Http alice = Http.as(server, "alice-claims");
    alice.post("/v1/conversations", new JsonObject().put("title", "alice's own"));
    JsonObject body = new JsonObject().put("anonymous_token", anonymous.getString("token"));
    HttpResponse<Buffer> claimed = alice.post("/v1/users/me/claim", body);
    assertEquals(200, claimed.statusCode(), claimed.bodyAsString());
    assertEquals(2, claimed.bodyAsJsonObject().getInteger("conversations_moved"));
    assertEquals(anonymous.getString("user_id"), claimed.bodyAsJsonObject().getString("anonymous_user"));
    assertEquals(List.of("alice's own", "second anonymous", "first anonymous").stream().sorted().toList(),
        titles(alice).stream().sorted().toList());
    JsonArray history = alice.get("/v1/conversations/" + first + "/messages").bodyAsJsonObject().getJsonArray("data");
    assertEquals("kept across the claim", history.getJsonObject(0).getString("content"));
    assertTrue(titles(anon).isEmpty());
    assertEquals(404, anon.get("/v1/conversations/" + first + "/messages").statusCode(), "no stale cached page");

    HttpResponse<Buffer> again = alice.post("/v1/users/me/claim", body);
    assertEquals(200, again.statusCode(), again.bodyAsString());
    assertEquals(0, again.bodyAsJsonObject().getInteger("conversations_moved"));
    assertEquals(2, again.bodyAsJsonObject().getInteger("conversations_claimed"));

    anon.post("/v1/conversations", new JsonObject().put("title", "written after the claim"));
    HttpResponse<Buffer> bob = Http.as(server, "bob-claims").post("/v1/users/me/claim", body);
    assertEquals(409, bob.statusCode(), bob.bodyAsString());
    assertEquals("/problems/already-claimed", bob.bodyAsJsonObject().getString("type"));
    assertTrue(titles(Http.as(server, "bob-claims")).isEmpty());
    assertEquals(1, alice.post("/v1/users/me/claim", body).bodyAsJsonObject().getInteger("conversations_moved"));
    assertEquals(4, titles(alice).size());
  }

  @Test
  @DisplayName("Two users claiming one anonymous principal at once: exactly one wins")
  void concurrentClaims() throws Exception {
    JsonObject anonymous = issue();
    as(anonymous).post("/v1/conversations", new JsonObject().put("title", "contested"));
    JsonObject body = new JsonObject().put("anonymous_token", anonymous.getString("token"));
    List<CompletableFuture<Integer>> claims = new ArrayList<>();
    for (String user : new String[] {"carol-race", "dave-race", "erin-race", "frank-race"}) {
      claims.add(CompletableFuture.supplyAsync(() -> Http.as(server, user).post("/v1/users/me/claim", body).statusCode()));
    }
    List<Integer> statuses = new ArrayList<>();
    for (CompletableFuture<Integer> claim : claims) {
      statuses.add(claim.get());
    }
    assertEquals(1, statuses.stream().filter(s -> s == 200).count(), statuses.toString());
    assertEquals(3, statuses.stream().filter(s -> s == 409).count(), statuses.toString());
    int owners = 0;
    for (String user : new String[] {"carol-race", "dave-race", "erin-race", "frank-race"}) {
      owners += titles(Http.as(server, user)).size();
    }
    assertEquals(1, owners, "the conversation has exactly one new owner");
  }

  @Test
  @DisplayName("Bad claims are clear problems and move nothing: expired, forged, by an anonymous caller, malformed")
  void badClaims() {
    Http grace = Http.as(server, "grace-bad-claims");
    JsonObject anonymous = issue();
    as(anonymous).post("/v1/conversations", new JsonObject().put("title", "stays put"));
    String expired = server.signAnonymousExpired(anonymous.getString("user_id"));
    HttpResponse<Buffer> late = grace.post("/v1/users/me/claim", new JsonObject().put("anonymous_token", expired));
    assertEquals(422, late.statusCode(), late.bodyAsString());
    assertEquals("/problems/anonymous-token-expired", late.bodyAsJsonObject().getString("type"));
    String appToken = server.token("someone-else");
    assertEquals(400, grace.post("/v1/users/me/claim", new JsonObject().put("anonymous_token", appToken)).statusCode());
    assertEquals(400, grace.post("/v1/users/me/claim", new JsonObject()).statusCode());
    assertEquals(400, grace.post("/v1/users/me/claim", new JsonObject().put("anonymous_token", "x").put("more", 1))
        .statusCode());
    HttpResponse<Buffer> byAnonymous = as(issue()).post("/v1/users/me/claim",
        new JsonObject().put("anonymous_token", anonymous.getString("token")));
    assertEquals(403, byAnonymous.statusCode());
    assertTrue(titles(grace).isEmpty());
    assertEquals(List.of("stays put"), titles(as(anonymous)));
  }

  @Test
  @DisplayName("Operators can turn anonymous access off: no tokens issued, issued ones refused")
  void turnedOff() {
    JsonObject anonymous = issue();
    try (TestServer off = TestServer.start(Map.of("PARLEY_ANONYMOUS_ENABLED", "false"))) {
      HttpResponse<Buffer> refused = Http.withAuthorization(off, null).post("/v1/auth/anonymous", new JsonObject());
      assertEquals(403, refused.statusCode());
      assertEquals("application/problem+json", refused.getHeader("Content-Type"));
      assertEquals(401, Http.withAuthorization(off, "Bearer " + anonymous.getString("token")).get("/v1/conversations")
          .statusCode());
    }
  }
}
