package dev.parley.http;

import dev.parley.db.DatabaseUrl;
import dev.parley.support.ChatFixtures;
import dev.parley.support.FakeProvider;
import dev.parley.support.Http;
import dev.parley.support.ParleyProcess;
import dev.parley.support.TestServer;
import dev.parley.support.TestServices;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

import static dev.parley.support.Eventually.eventually;
import static dev.parley.support.TestServer.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An idempotency key whose first attempt died is usable again as soon as that attempt can no
 * longer commit: the database vanished under a write, or the node running a chat turn was killed.
 */
class IdempotencyRecoveryTest {

  @Test
  @DisplayName("The database goes away under an idempotent append: 503 with Retry-After, and the same key works once it is back")
  void databaseOutageReleasesTheKey() throws Exception {
    try (TestServer server = TestServer.start()) {
      Http alice = Http.as(server, "alice-outage");
      String id = alice.newConversation();
      DatabaseUrl db = DatabaseUrl.parse(server.env().get("PARLEY_PG_URL"));
      JsonObject body = new JsonObject().put("messages", new JsonArray().add(ChatFixtures.userMessage("keep me")));
      try (Connection holder = DriverManager.getConnection(db.jdbcUrl(), db.user(), db.password());
           Connection admin = DriverManager.getConnection(DatabaseUrl.parse(TestServices.pgServerUrl()).jdbcUrl(),
               db.user(), db.password())) {
        // Hold the conversation's row so the append waits inside its transaction, key already claimed.
        holder.setAutoCommit(false);
        holder.createStatement().execute("SELECT 1 FROM conversations WHERE id = '" + id + "' FOR UPDATE");
        Future<HttpResponse<Buffer>> first = alice.request(HttpMethod.POST, "/v1/conversations/" + id + "/messages")
            .putHeader("Idempotency-Key", "outage-1").sendJsonObject(body);
        eventually(5_000, "the append waits for the row lock", () -> count(admin,
            "SELECT count(*) FROM pg_stat_activity WHERE datname = '" + db.database() + "' AND wait_event_type = 'Lock'") > 0);
        // The database goes away: no new connections, every open one cut.
        admin.createStatement().execute("ALTER DATABASE " + db.database() + " ALLOW_CONNECTIONS false");
        admin.createStatement().execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '"
            + db.database() + "'");
        HttpResponse<Buffer> failed = await(first);
        assertEquals(503, failed.statusCode(), failed.bodyAsString());
        assertNotNull(failed.getHeader("Retry-After"), "503 carries Retry-After");
        ErrorContractTest.assertProblem(failed, 503);
        admin.createStatement().execute("ALTER DATABASE " + db.database() + " ALLOW_CONNECTIONS true");
      }
      AtomicReference<HttpResponse<Buffer>> retry = new AtomicReference<>();
      eventually(10_000, "the retry with the same key is answered 201", () -> {
        retry.set(alice.post("/v1/conversations/" + id + "/messages", body, "outage-1"));
        assertTrue(retry.get().statusCode() != 409, "409 although nothing is in progress: " + retry.get().bodyAsString());
        return retry.get().statusCode() == 201;
      });
      assertEquals(1, alice.get("/v1/conversations/" + id).bodyAsJsonObject().getInteger("message_count"));
      HttpResponse<Buffer> replay = alice.post("/v1/conversations/" + id + "/messages", body, "outage-1");
      assertEquals("true", replay.getHeader("Idempotent-Replayed"));
      assertEquals(retry.get().bodyAsJsonObject(), replay.bodyAsJsonObject());
    }
  }

  @Test
  @DisplayName("The node running a chat turn is killed: the retry with the same key, on another node, finishes the turn once")
  void killedTurnIsResumed() throws Exception {
    try (FakeProvider fake = new FakeProvider()) {
      Map<String, String> env = new HashMap<>(ChatFixtures.env(fake, Map.of("PARLEY_IDEMPOTENCY_LEASE_SECONDS", "2",
          "PARLEY_LLM_FIRST_TOKEN_TIMEOUT_MS", "30000", "PARLEY_LLM_TOTAL_TIMEOUT_MS", "30000")));
      env.put("PARLEY_PG_URL", TestServices.freshDatabase());
      fake.then(call -> { }); // the first provider call never answers
      Vertx client = Vertx.vertx();
      try (ParleyProcess doomed = ParleyProcess.start(env); TestServer survivor = TestServer.start(env)) {
        String token = survivor.bearer("bob-crash");
        JsonObject turn = new JsonObject().put("message", "a question worth asking once");
        WebClient web = WebClient.create(client);
        web.post(doomed.port(), "127.0.0.1", "/v1/chat").putHeader("Authorization", token)
            .putHeader("Idempotency-Key", "turn-1").sendJsonObject(turn);
        eventually(10_000, "the killed node called the provider", () -> fake.calls().size() == 1);
        doomed.kill();
        long killed = System.currentTimeMillis();
        AtomicReference<HttpResponse<Buffer>> retry = new AtomicReference<>();
        eventually(8_000, "the retry is answered 200", () -> {
          retry.set(Http.as(survivor, "bob-crash").post("/v1/chat", turn, "turn-1"));
          if (retry.get().statusCode() == 409) {
            assertNotNull(retry.get().getHeader("Retry-After"), "409 carries Retry-After");
          }
          return retry.get().statusCode() == 200;
        });
        assertTrue(System.currentTimeMillis() - killed < 6_000, "usable within the lease, not minutes later");
        JsonObject answer = retry.get().bodyAsJsonObject();
        String conversation = answer.getString("conversation_id");
        JsonArray messages = Http.as(survivor, "bob-crash").get("/v1/conversations/" + conversation + "/messages")
            .bodyAsJsonObject().getJsonArray("data");
        assertEquals(2, messages.size(), "one user message and one answer: " + messages.encode());
        assertEquals("a question worth asking once", messages.getJsonObject(0).getString("content"));
        assertEquals(answer.getJsonObject("message").getString("id"), messages.getJsonObject(1).getString("id"));
        HttpResponse<Buffer> replay = Http.as(survivor, "bob-crash").post("/v1/chat", turn, "turn-1");
        assertEquals("true", replay.getHeader("Idempotent-Replayed"));
        assertEquals(answer.getJsonObject("message"), replay.bodyAsJsonObject().getJsonObject("message"));
      } finally {
        await(client.close());
      }
    }
  }

  private static long count(Connection c, String sql) {
    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    } catch (java.sql.SQLException e) {
      throw new IllegalStateException(e);
    }
  }
}
