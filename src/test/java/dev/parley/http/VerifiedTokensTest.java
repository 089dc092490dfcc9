package dev.parley.http;

import dev.parley.support.Http;
import dev.parley.support.TestServer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** A token verified once is not verified again, but it stops working exactly when it expires. */
class VerifiedTokensTest {

  private static TestServer server;

  @BeforeAll
  static void start() {
    server = TestServer.start(Map.of("PARLEY_JWT_LEEWAY_SECONDS", "0"));
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  @Test
  @DisplayName("A token used (and so remembered) while valid is refused with 401 once it has expired")
  void rememberedTokenStillExpires() throws InterruptedException {
    String token = server.sign(new JsonObject(), new JWTOptions().setSubject("short-lived").setExpiresInSeconds(3));
    Http user = Http.withAuthorization(server, "Bearer " + token);
    for (int i = 0; i < 5; i++) {
      assertEquals(200, user.get("/v1/conversations").statusCode(), "valid, and remembered after the first use");
    }
    Thread.sleep(3_200);
    assertEquals(401, user.get("/v1/conversations").statusCode(), "expired: refused although it was remembered");
  }

  @Test
  @DisplayName("Each user of a remembered token is still that token's subject, and another token is checked on its own")
  void rememberedTokensKeepTheirSubjects() {
    Http alice = Http.as(server, "alice-remembered");
    Http bob = Http.as(server, "bob-remembered");
    String id = alice.newConversation();
    for (int i = 0; i < 3; i++) {
      assertEquals(200, alice.get("/v1/conversations/" + id).statusCode());
      assertEquals(404, bob.get("/v1/conversations/" + id).statusCode());
    }
    String forged = server.token("alice-remembered");
    forged = forged.substring(0, forged.lastIndexOf('.') + 1) + "AAAA" + forged.substring(forged.lastIndexOf('.') + 5);
    assertEquals(401, Http.withAuthorization(server, "Bearer " + forged).get("/v1/conversations/" + id).statusCode());
  }
}
