package dev.parley.http;

import dev.parley.db.DatabaseUrl;
import dev.parley.support.FaultyProxy;
import dev.parley.support.Http;
import dev.parley.support.TestServer;
import dev.parley.support.TestServices;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static dev.parley.support.Eventually.eventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A node started while PostgreSQL is down listens at once, says it is not ready, and recovers by itself. */
class DatabaseDownAtStartTest {

  @Test
  @DisplayName("Started with the database down: /health/live 200, readiness and API 503, then ready within seconds of its return")
  void listensWhileTheDatabaseIsDown() {
    DatabaseUrl real = DatabaseUrl.parse(TestServices.freshDatabase());
    try (FaultyProxy proxy = new FaultyProxy(real.host(), real.port())) {
      proxy.mode(FaultyProxy.Mode.DROP);
      String viaProxy = "postgresql://" + real.user() + "@127.0.0.1:" + proxy.port() + "/" + real.database();
      long started = System.currentTimeMillis();
      try (TestServer server = TestServer.start(Map.of("PARLEY_PG_URL", viaProxy, "PARLEY_PG_CONNECT_RETRY_MS", "300"))) {
        assertTrue(System.currentTimeMillis() - started < 15_000, "the node did not wait for the database");
        Http anonymous = Http.withAuthorization(server, null);
        assertEquals(200, anonymous.get("/health/live").statusCode());
        assertEquals(503, anonymous.get("/health/ready").statusCode());
        HttpResponse<Buffer> refused = Http.as(server, "alice-down").get("/v1/conversations");
        ErrorContractTest.assertProblem(refused, 503);
        assertNotNull(refused.getHeader("Retry-After"));

        proxy.mode(FaultyProxy.Mode.PASS);
        long back = System.currentTimeMillis();
        eventually(10_000, "ready once the database is back", () -> anonymous.get("/health/ready").statusCode() == 200);
        System.out.printf("[database-down] ready %d ms after the database returned%n", System.currentTimeMillis() - back);
        assertEquals(201, Http.as(server, "alice-down").post("/v1/conversations", new JsonObject()).statusCode());
      }
    }
  }
}
