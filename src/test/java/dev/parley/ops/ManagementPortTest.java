package dev.parley.ops;

import dev.parley.support.Http;
import dev.parley.support.RawHttp;
import dev.parley.support.TestServer;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Metrics never on the API port; on the management port, behind the configured bearer token. */
class ManagementPortTest {

  @Test
  @DisplayName("/metrics is 404 on the API port, 401 without the token and 200 with it on the management port")
  void metricsAreNotPublic() throws Exception {
    try (TestServer server = TestServer.start(Map.of("PARLEY_MANAGEMENT_BEARER_TOKEN", "scrape-secret-123"))) {
      assertEquals(404, Http.withAuthorization(server, null).get("/metrics").statusCode(), "not on the API port");
      int management = Integer.parseInt(server.env().get("PARLEY_MANAGEMENT_PORT"));
      assertEquals(401, RawHttp.send(management, "GET", "/metrics", Map.of(), null, 5_000).status());
      assertEquals(401, RawHttp.send(management, "GET", "/metrics", Map.of("Authorization", "Bearer wrong"), null, 5_000)
          .status());
      RawHttp.Response scrape = RawHttp.send(management, "GET", "/metrics",
          Map.of("Authorization", "Bearer scrape-secret-123"), null, 5_000);
      assertEquals(200, scrape.status());
      assertTrue(scrape.text().contains("jvm_memory_used_bytes"), "a Prometheus scrape");
      assertEquals(200, RawHttp.send(management, "GET", "/health/ready", Map.of(), null, 5_000).status());
    }
  }
}
