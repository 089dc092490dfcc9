package dev.parley.ops;

import dev.parley.ParleyServer;
import dev.parley.config.ParleyConfig;
import dev.parley.support.ChatFixtures;
import dev.parley.support.FakeProvider;
import dev.parley.support.Http;
import dev.parley.support.Sse;
import dev.parley.support.TestServer;
import dev.parley.support.TestServices;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.io.File;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static dev.parley.support.Eventually.eventually;
import static dev.parley.support.TestServer.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Graceful shutdown: readiness 503 at once, in-flight work finishes, streams get a final event, exit 0. */
class ShutdownTest {

  @Test
  @DisplayName("While shutting down, readiness is 503 and an in-flight turn still completes")
  void drains() throws Exception {
    try (FakeProvider fake = new FakeProvider()) {
      Map<String, String> env = new HashMap<>(ChatFixtures.env(fake, Map.of()));
      env.put("PARLEY_PG_URL", TestServices.freshDatabase());
      int port = TestServices.freePort();
      env.put("PARLEY_HTTP_PORT", Integer.toString(port));
      env.put("PARLEY_JWT_HS256_SECRET", TestServer.SECRET);
      env.put("PARLEY_DATA_DIR", Files.createTempDirectory("parley-shutdown").toString());
      env.put("PARLEY_HTTP_SHUTDOWN_DELAY_MS", "1500");
      env.put("PARLEY_HTTP_SHUTDOWN_GRACE_MS", "3000");
      env.put("PARLEY_LLM_FIRST_TOKEN_TIMEOUT_MS", "5000");
      ParleyServer node = await(ParleyServer.start(ParleyConfig.load(env)));
      Vertx client = Vertx.vertx();
      try {
        WebClient web = WebClient.create(client);
        String token = bearer(client);
        fake.then(call -> client.setTimer(1_000, id -> call.reply("slow but complete")));
        Future<HttpResponse<Buffer>> inFlight = web.post(port, "127.0.0.1", "/v1/chat").putHeader("Authorization", token)
            .sendJsonObject(new JsonObject().put("message", "take your time"));
        eventually(5_000, "the turn reaches the provider", () -> fake.calls().size() == 1);
        Future<Void> stopped = node.stop();
        eventually(5_000, "readiness answers 503 while draining",
            () -> await(web.get(port, "127.0.0.1", "/health/ready").send()).statusCode() == 503);
        HttpResponse<Buffer> answer = await(inFlight);
        assertEquals(200, answer.statusCode(), answer.bodyAsString());
        assertEquals("slow but complete", answer.bodyAsJsonObject().getJsonObject("message").getString("content"));
        await(stopped);
      } finally {
        await(client.close());
      }
    }
  }

  @Test
  @DisplayName("An open stream gets a final error event when the grace period runs out")
  void streamsGetAFinalEvent() throws Exception {
    try (FakeProvider fake = new FakeProvider()) {
      Map<String, String> env = new HashMap<>(ChatFixtures.env(fake, Map.of()));
      env.put("PARLEY_HTTP_SHUTDOWN_GRACE_MS", "1500");
      env.put("PARLEY_LLM_TOTAL_TIMEOUT_MS", "30000");
      TestServer server = TestServer.start(env);
      List<String> pieces = new ArrayList<>();
      for (int i = 0; i < 40; i++) {
        pieces.add("p" + i + " ");
      }
      fake.then(call -> call.reply(pieces, 200, -1));
      Future<HttpResponse<Buffer>> stream = Http.as(server, "streamer").request(HttpMethod.POST, "/v1/chat")
          .sendJsonObject(new JsonObject().put("message", "long").put("stream", true));
      eventually(5_000, "the stream has begun", () -> !fake.calls().isEmpty() && fake.lastCall().piecesSent.get() >= 3);
      Future<Void> stopped = server.stopNode();
      HttpResponse<Buffer> response = await(stream);
      List<Sse.Event> events = Sse.parse(response.bodyAsString());
      Sse.Event last = events.get(events.size() - 1);
      assertEquals("error", last.name(), response.bodyAsString());
      assertEquals(503, last.data().getInteger("status"));
      assertTrue(Sse.deltas(events).startsWith("p0 p1 "));
      await(stopped);
      server.close();
    }
  }

  @Test
  @DisplayName("SIGTERM: the process drains and exits 0, also when the signal comes while it is still starting "
      + "(HTTP up, migrations running)")
  void signalWhileStarting() throws Exception {
    int port = TestServices.freePort();
    Process process = parleyProcess(port);
    try {
      eventually(60_000, "the HTTP port listens", () -> {
        assertTrue(process.isAlive(), "the process exited before it listened");
        try (java.net.Socket ignored = new java.net.Socket("127.0.0.1", port)) {
          return true;
        } catch (java.io.IOException notYet) {
          return false;
        }
      });
      process.destroy();
      assertTrue(process.waitFor(60, TimeUnit.SECONDS), "the process did not stop");
      assertEquals(0, process.exitValue(), "143 is the JVM's default: the signal came before Parley handled it");
    } finally {
      process.destroyForcibly();
    }
  }

  /** `java dev.parley.Parley` on a fresh database, none of this JVM's PARLEY_ variables, output discarded. */
  private static Process parleyProcess(int port) throws java.io.IOException {
    ProcessBuilder builder = new ProcessBuilder(System.getProperty("java.home") + File.separator + "bin" + File.separator + "java",
        "-cp", System.getProperty("java.class.path"), "dev.parley.Parley");
    builder.environment().keySet().removeIf(k -> k.startsWith("PARLEY_"));
    builder.environment().putAll(Map.of("PARLEY_PG_URL", TestServices.freshDatabase(),
        "PARLEY_HTTP_PORT", Integer.toString(port), "PARLEY_JWT_HS256_SECRET", TestServer.SECRET,
        "PARLEY_DATA_DIR", Files.createTempDirectory("parley-process").toString(), "PARLEY_HTTP_SHUTDOWN_DELAY_MS", "100"));
    builder.redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD);
    return builder.start();
  }

  private static String bearer(Vertx vertx) {
    io.vertx.ext.auth.jwt.JWTAuth signer = io.vertx.ext.auth.jwt.JWTAuth.create(vertx, new io.vertx.ext.auth.jwt.JWTAuthOptions()
        .addPubSecKey(new io.vertx.ext.auth.PubSecKeyOptions().setAlgorithm("HS256").setBuffer(TestServer.SECRET)));
    return "Bearer " + signer.generateToken(new JsonObject(), new io.vertx.ext.auth.JWTOptions().setSubject("drainer").setExpiresInMinutes(60));
  }
}
