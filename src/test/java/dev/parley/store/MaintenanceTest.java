package dev.parley.store;

import dev.parley.bus.InternalAddresses;
import dev.parley.db.DatabaseUrl;
import dev.parley.support.Http;
import dev.parley.support.Metrics;
import dev.parley.support.TestServer;
import dev.parley.support.TestServices;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The maintenance job purges what was deleted long enough ago and abandoned anonymous principals,
 * and nothing else; a run needs the cluster-wide advisory lock, so two nodes never run it at once.
 */
class MaintenanceTest {

  private static TestServer server;

  @BeforeAll
  static void start() {
    server = TestServer.start(Map.of("PARLEY_REDIS_URL", TestServices.redisUrl(), "PARLEY_MAINTENANCE_EVERY_MS", "0",
        "PARLEY_MAINTENANCE_BATCH_SIZE", "2"));
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  private static JsonObject run() {
    return (JsonObject) TestServer.await(server.nodeVertx().eventBus()
        .request(InternalAddresses.MAINTENANCE_RUN, new JsonObject())).body();
  }

  private static String conversation(Http user, String... contents) {
    JsonArray messages = new JsonArray();
    for (String content : contents) {
      messages.add(new JsonObject().put("role", "user").put("content", content));
    }
    JsonObject body = new JsonObject();
    if (contents.length > 0) {
      body.put("messages", messages);
    }
    return user.newConversation(body);
  }

  private static String messageId(Http user, String conversation, int index) {
    return user.get("/v1/conversations/" + conversation + "/messages").bodyAsJsonObject().getJsonArray("data")
        .getJsonObject(index).getString("id");
  }

  private static long count(String sql) {
    return server.sqlLong(sql);
  }

  @Test
  @DisplayName("Purges conversations and messages deleted over retention.deleted_days ago and abandoned anonymous "
      + "principals (cache included), in batches; keeps everything else")
  void purges() {
    Http alice = Http.as(server, "alice-maintenance");
    String kept = conversation(alice, "m1", "m2", "m3");
    String old1 = conversation(alice, "old one");
    String old2 = conversation(alice, "old two");
    String old3 = conversation(alice, "old three");
    String recent = conversation(alice, "deleted today");
    for (String id : new String[] {old1, old2, old3, recent}) {
      assertEquals(204, alice.delete("/v1/conversations/" + id).statusCode());
    }
    server.sql("UPDATE conversations SET deleted_at = now() - interval '31 days' WHERE id IN ('" + old1 + "', '"
        + old2 + "', '" + old3 + "')");
    String m2 = messageId(alice, kept, 1);
    String m3 = messageId(alice, kept, 2);
    assertEquals(204, alice.delete("/v1/conversations/" + kept + "/messages/" + m2).statusCode());
    assertEquals(204, alice.delete("/v1/conversations/" + kept + "/messages/" + m3).statusCode());
    server.sql("UPDATE messages SET deleted_at = now() - interval '31 days' WHERE id = '" + m2 + "'");

    Http stale = anonymous();
    String staleConversation = conversation(stale, "anonymous and gone quiet");
    assertEquals(200, stale.get("/v1/conversations/" + staleConversation + "/messages").statusCode()); // cached
    server.sql("UPDATE conversations SET updated_at = now() - interval '31 days' WHERE id = '" + staleConversation + "'");
    Http active = anonymous();
    String activeConversation = conversation(active, "anonymous and active");

    JsonObject done = run();
    assertTrue(done.getBoolean("ran"), done.encode());
    assertEquals(3, done.getInteger("conversations"), "three, in batches of two: " + done.encode());
    assertEquals(1, done.getInteger("messages"), done.encode());
    assertEquals(1, done.getInteger("anonymous_users"), done.encode());

    assertEquals(0, count("SELECT count(*) FROM conversations WHERE id IN ('" + old1 + "', '" + old2 + "', '" + old3 + "')"));
    assertEquals(0, count("SELECT count(*) FROM messages WHERE conversation_id IN ('" + old1 + "', '" + old2 + "', '"
        + old3 + "')"));
    assertEquals(1, count("SELECT count(*) FROM conversations WHERE id = '" + recent + "'"), "deleted today stays");
    assertEquals(0, count("SELECT count(*) FROM messages WHERE id = '" + m2 + "'"));
    assertEquals(1, count("SELECT count(*) FROM messages WHERE id = '" + m3 + "'"), "deleted today stays");
    assertEquals(java.util.List.of("m1"), alice.get("/v1/conversations/" + kept + "/messages").bodyAsJsonObject()
        .getJsonArray("data").stream().map(m -> ((JsonObject) m).getString("content")).toList());
    assertEquals(0, count("SELECT count(*) FROM conversations WHERE id = '" + staleConversation + "'"));
    assertEquals(404, stale.get("/v1/conversations/" + staleConversation + "/messages").statusCode(),
        "no cached page outlives the purge");
    assertEquals(200, active.get("/v1/conversations/" + activeConversation + "/messages").statusCode());

    JsonObject again = run();
    assertEquals(0, again.getInteger("conversations") + again.getInteger("messages") + again.getInteger("anonymous_users"));
    assertEquals(3.0, Metrics.value(server, "parley_maintenance_purged_total", "kind=\"conversations\""));
  }

  @Test
  @DisplayName("A run needs the advisory lock: while another node holds it, this node does nothing")
  void oneNodeAtATime() throws Exception {
    DatabaseUrl db = DatabaseUrl.parse(server.env().get("PARLEY_PG_URL"));
    Http bob = Http.as(server, "bob-maintenance");
    String old = conversation(bob, "deleted long ago");
    bob.delete("/v1/conversations/" + old);
    server.sql("UPDATE conversations SET deleted_at = now() - interval '40 days' WHERE id = '" + old + "'");
    try (Connection other = DriverManager.getConnection(db.jdbcUrl(), db.user(), db.password());
         Statement s = other.createStatement()) {
      s.execute("SELECT pg_advisory_lock(" + MaintenanceVerticle.LOCK + ")");
      JsonObject skipped = run();
      assertFalse(skipped.getBoolean("ran"), skipped.encode());
      assertEquals(1, count("SELECT count(*) FROM conversations WHERE id = '" + old + "'"));
      s.execute("SELECT pg_advisory_unlock(" + MaintenanceVerticle.LOCK + ")");
    }
    assertTrue(run().getBoolean("ran"));
    assertEquals(0, count("SELECT count(*) FROM conversations WHERE id = '" + old + "'"));
  }

  private static Http anonymous() {
    JsonObject issued = Http.withAuthorization(server, null).post("/v1/auth/anonymous", new JsonObject()).bodyAsJsonObject();
    return Http.withAuthorization(server, "Bearer " + issued.getString("token"));
  }
}
