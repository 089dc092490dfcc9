package dev.parley;

import dev.parley.cli.TokenCommand;
import dev.parley.config.ParleyConfig;
import dev.parley.support.TestServices;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Map;

import static dev.parley.support.TestServer.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The README's run command in-process: no database URL and no JWT key, so an embedded PostgreSQL
 * and a development key in the data directory; both survive a restart.
 */
class ZeroSetupTest {

  @Test
  @DisplayName("With only a data directory: embedded database, development token, data kept across restarts")
  void zeroSetup() throws Exception {
    Path dataDir = Files.createTempDirectory("parley-zero");
    int port = TestServices.freePort();
    int pgPort = TestServices.freePort();
    Map<String, String> env = Map.of("PARLEY_DATA_DIR", dataDir.toString(), "PARLEY_HTTP_PORT", Integer.toString(port),
        "PARLEY_PG_EMBEDDED_PORT", Integer.toString(pgPort), "PARLEY_MANAGEMENT_PORT", Integer.toString(TestServices.freePort()));
    ParleyConfig config = ParleyConfig.load(env);

    ParleyServer first = await(ParleyServer.start(config));
    assertTrue(Files.exists(dataDir.resolve("pg")));
    assertTrue(Files.exists(dataDir.resolve("jwt-dev-secret")));
    // Durable by default: an acknowledged message survives a crash or a power loss.
    try (Connection db = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + pgPort + "/postgres", "postgres", "");
         Statement s = db.createStatement()) {
      for (String setting : new String[] {"fsync", "synchronous_commit", "full_page_writes"}) {
        try (ResultSet rs = s.executeQuery("SHOW " + setting)) {
          rs.next();
          assertEquals("on", rs.getString(1), setting);
        }
      }
    }
    String token = printedToken(config, "zara");
    Vertx vertx = Vertx.vertx();
    WebClient client = WebClient.create(vertx);
    try {
      HttpResponse<Buffer> created = await(client.post(port, "127.0.0.1", "/v1/conversations")
          .putHeader("Authorization", "Bearer " + token).sendJsonObject(new JsonObject().put("title", "kept")));
      assertEquals(201, created.statusCode());
      String id = created.bodyAsJsonObject().getString("id");
      await(first.stop());

      ParleyServer second = await(ParleyServer.start(ParleyConfig.load(env)));
      try {
        // The same development key still verifies the token, and the data is still there.
        HttpResponse<Buffer> read = await(client.get(port, "127.0.0.1", "/v1/conversations/" + id)
            .putHeader("Authorization", "Bearer " + token).send());
        assertEquals(200, read.statusCode());
        assertEquals("kept", read.bodyAsJsonObject().getString("title"));
      } finally {
        await(second.stop());
      }
    } finally {
      await(vertx.close());
    }
  }

  private static String printedToken(ParleyConfig config, String user) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    assertEquals(0, TokenCommand.run(config, new String[] {"token", user}, new PrintStream(out, true, StandardCharsets.UTF_8),
        System.err));
    return out.toString(StandardCharsets.UTF_8).trim();
  }
}
