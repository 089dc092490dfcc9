package dev.parley.store;

import dev.parley.support.ChatFixtures;
import dev.parley.support.FakeProvider;
import dev.parley.support.Http;
import dev.parley.support.TestServer;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** llm_calls rows are written off the turn's path, in batches, and a clean shutdown writes what is pending. */
class CallLogTest {

  @Test
  @DisplayName("Turns finish while llm_calls cannot be written; a clean shutdown then writes every pending row")
  void pendingRowsSurviveACleanShutdown() throws Exception {
    try (FakeProvider fake = new FakeProvider()) {
      TestServer server = TestServer.start(ChatFixtures.env(fake, Map.of()));
      Http alice = Http.as(server, "alice-calls");
      String conversation = alice.newConversation();
      var db = dev.parley.db.DatabaseUrl.parse(server.env().get("PARLEY_PG_URL"));
      int turns = 12;
      try (Connection lock = DriverManager.getConnection(db.jdbcUrl(), db.user(), db.password())) {
        lock.setAutoCommit(false);
        try (Statement s = lock.createStatement()) {
          s.execute("LOCK TABLE llm_calls IN EXCLUSIVE MODE");
        }
        for (int i = 0; i < turns; i++) {
          assertEquals(200, alice.post("/v1/chat", new JsonObject().put("conversation_id", conversation)
              .put("message", "turn " + i)).statusCode(), "the turn does not wait for its call record");
        }
        var stopped = server.stopNode();
        Thread.sleep(500);
        assertTrue(!stopped.isComplete(), "the shutdown waits for the pending call records");
        lock.rollback();
        TestServer.await(stopped);
      }
      assertEquals(turns, server.sqlLong("SELECT count(*) FROM llm_calls WHERE owner = 'alice-calls'"));
      server.close();
    }
  }
}
