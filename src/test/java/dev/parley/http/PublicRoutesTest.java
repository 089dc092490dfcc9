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
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Probes, the contract and its docs answer without a token. */
class PublicRoutesTest {

  private static TestServer server;
  private static Http anonymous;

  @BeforeAll
  static void start() {
    server = TestServer.start();
    anonymous = Http.withAuthorization(server, null);
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  @Test
  @DisplayName("/health/live and /health/ready answer UP as JSON")
  void health() {
    HttpResponse<Buffer> live = anonymous.get("/health/live");
    assertEquals(200, live.statusCode());
    assertEquals("UP", live.bodyAsJsonObject().getString("status"));
    HttpResponse<Buffer> ready = anonymous.get("/health/ready");
    assertEquals(200, ready.statusCode());
    assertEquals("UP", ready.bodyAsJsonObject().getString("status"));
    JsonArray checks = ready.bodyAsJsonObject().getJsonArray("checks");
    assertTrue(checks.stream().anyMatch(c -> ((JsonObject) c).getString("id").equals("database")
        && ((JsonObject) c).getString("status").equals("UP")));
  }

  @Test
  @DisplayName("/openapi.yaml serves the exact contract, problem+json included")
  void contract() {
    HttpResponse<Buffer> response = anonymous.get("/openapi.yaml");
    assertEquals(200, response.statusCode());
    assertTrue(response.bodyAsString().startsWith("openapi: 3.1.0"));
    assertTrue(response.bodyAsString().contains("application/problem+json"));
    assertTrue(response.bodyAsString().contains("operationId: appendMessages"));
  }

  @Test
  @DisplayName("/docs serves Swagger UI from the app itself, pointed at /openapi.yaml")
  void swaggerUi() {
    HttpResponse<Buffer> page = anonymous.get("/docs");
    assertEquals(200, page.statusCode());
    assertTrue(page.bodyAsString().contains("/openapi.yaml"));
    assertTrue(page.bodyAsString().contains("/docs/swagger-ui-bundle.js"));
    HttpResponse<Buffer> bundle = anonymous.get("/docs/swagger-ui-bundle.js");
    assertEquals(200, bundle.statusCode());
    assertTrue(bundle.body().length() > 100_000);
  }
}
