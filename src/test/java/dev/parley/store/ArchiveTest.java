package dev.parley.store;

import dev.parley.bus.InternalAddresses;
import dev.parley.support.ChatFixtures;
import dev.parley.support.Eventually;
import dev.parley.support.FakeProvider;
import dev.parley.support.HoldingProxy;
import dev.parley.support.Http;
import dev.parley.support.ParleyProcess;
import dev.parley.support.S3Server;
import dev.parley.support.TestServer;
import dev.parley.support.TestServices;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Cold storage against a real S3-compatible server (s3proxy in this JVM): conversations untouched
 * for archive.after_days move out of the hot tables into one gzip NDJSON object each, and come back
 * transparently when read, appended to or chatted in; erasure removes their objects; a node killed
 * between the archive's steps loses nothing.
 */
class ArchiveTest {

  private static S3Server s3;
  private static FakeProvider fake;
  private static TestServer server;

  @BeforeAll
  static void start() {
    s3 = S3Server.start();
    fake = new FakeProvider();
    Map<String, String> env = new HashMap<>(ChatFixtures.env(fake, Map.of()));
    env.putAll(s3.env());
    env.put("PARLEY_REDIS_URL", TestServices.redisUrl());
    env.put("PARLEY_MAINTENANCE_EVERY_MS", "0");
    server = TestServer.start(env);
  }

  @AfterAll
  static void stop() {
    server.close();
    fake.close();
    s3.close();
  }

  private static JsonObject run(TestServer node) {
    return (JsonObject) TestServer.await(node.nodeVertx().eventBus()
        .request(InternalAddresses.MAINTENANCE_RUN, new JsonObject())).body();
  }

  /** Backdates the conversation's last activity and its last restore. */
  private static void untouchedFor(TestServer node, String conversation, int days) {
    node.sql("UPDATE conversations SET updated_at = now() - interval '" + days + " days', restored_at = CASE WHEN "
        + "restored_at IS NULL THEN NULL ELSE now() - interval '" + days + " days' END WHERE id = '" + conversation + "'");
  }

  private static String key(String conversation) {
    return "parley/conversations/" + conversation + ".ndjson.gz";
  }

  private static JsonArray history(Http user, String conversation) {
    var page = user.get("/v1/conversations/" + conversation + "/messages?limit=100");
    assertEquals(200, page.statusCode(), page.bodyAsString());
    return page.bodyAsJsonObject().getJsonArray("data");
  }

  private static String conversation(Http user, int messages) {
    JsonArray list = new JsonArray();
    for (int i = 1; i <= messages; i++) {
      list.add(new JsonObject().put("role", i % 2 == 1 ? "user" : "assistant").put("content", "message " + i + " ✓")
          .put("metadata", new JsonObject().put("n", i)).put("selected_text", i == 1 ? "picked" : null));
    }
    return user.newConversation(new JsonObject().put("title", "old talk").put("messages", list));
  }

  private static List<String> lines(byte[] gzip) throws IOException {
    try (var in = new GZIPInputStream(new ByteArrayInputStream(gzip))) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().toList();
    }
  }

  @Test
  @DisplayName("A branched conversation comes back from cold storage with every branch and its current one")
  void branchesSurviveTheArchive() {
    Http bob = Http.as(server, "bob-archive-branches");
    String id = conversation(bob, 3);
    JsonArray three = history(bob, id);
    assertEquals(201, bob.post("/v1/conversations/" + id + "/branches",
        new JsonObject().put("message_id", three.getJsonObject(0).getString("id"))).statusCode());
    bob.post("/v1/conversations/" + id + "/messages", new JsonObject().put("messages", new JsonArray()
        .add(new JsonObject().put("role", "assistant").put("content", "another answer"))));
    JsonArray current = history(bob, id);
    JsonArray all = bob.get("/v1/conversations/" + id + "/messages?limit=100&branch=all").bodyAsJsonObject().getJsonArray("data");
    JsonArray first = bob.get("/v1/conversations/" + id + "/messages?limit=100&branch=0").bodyAsJsonObject().getJsonArray("data");
    assertEquals(2, current.size());
    untouchedFor(server, id, 91);
    assertEquals(1, run(server).getInteger("archived"));
    assertEquals(0, server.sqlLong("SELECT count(*) FROM messages WHERE conversation_id = '" + id + "'"));

    assertEquals(current, history(bob, id), "the current branch's history, restored");
    assertEquals(all, bob.get("/v1/conversations/" + id + "/messages?limit=100&branch=all").bodyAsJsonObject().getJsonArray("data"));
    assertEquals(first, bob.get("/v1/conversations/" + id + "/messages?limit=100&branch=0").bodyAsJsonObject().getJsonArray("data"));
    assertEquals(2, bob.get("/v1/conversations/" + id).bodyAsJsonObject().getInteger("message_count"));
  }

  @Test
  @DisplayName("Archive moves an untouched conversation to S3 and out of the hot tables; reading restores it exactly")
  void archiveAndRead() throws IOException {
    Http alice = Http.as(server, "alice-archive");
    String old = conversation(alice, 3);
    String recent = conversation(alice, 1);
    JsonArray before = history(alice, old);
    history(alice, old); // cached in Redis and in the node's memory
    untouchedFor(server, old, 91);
    untouchedFor(server, recent, 89);

    JsonObject done = run(server);
    assertEquals(1, done.getInteger("archived"), done.encode());
    assertEquals(0, server.sqlLong("SELECT count(*) FROM messages WHERE conversation_id = '" + old + "'"));
    assertEquals(1, server.sqlLong("SELECT count(*) FROM messages WHERE conversation_id = '" + recent + "'"));
    assertTrue(s3.keys().contains(key(old)), s3.keys().toString());
    List<String> lines = lines(s3.object(key(old)));
    assertEquals(4, lines.size(), "a conversation line and three messages");
    assertEquals("conversation", new JsonObject(lines.get(0)).getString("type"));
    assertEquals("message 3 ✓", new JsonObject(lines.get(3)).getJsonObject("message").getString("content"));

    JsonObject stub = alice.get("/v1/conversations/" + old).bodyAsJsonObject();
    assertTrue(stub.getBoolean("archived"), stub.encode());
    assertEquals(3, stub.getInteger("message_count"));
    assertEquals("old talk", stub.getString("title"));
    List<String> archivedList = alice.get("/v1/conversations?archived=true").bodyAsJsonObject().getJsonArray("data")
        .stream().map(c -> ((JsonObject) c).getString("id")).toList();
    assertEquals(List.of(old), archivedList);
    assertFalse(alice.get("/v1/conversations").bodyAsJsonObject().encode().contains(old));

    assertEquals(before, history(alice, old), "restored exactly: ids, seq, content, metadata, selected_text, times");
    assertEquals(0, run(server).getInteger("archived"), "just used: it stays hot for another archive.after_days");
    assertEquals(3, server.sqlLong("SELECT count(*) FROM messages WHERE conversation_id = '" + old + "'"));
    assertEquals(0, server.sqlLong("SELECT count(*) FROM conversations WHERE cold_key IS NOT NULL"));
    Eventually.eventually(10_000, "the object is deleted after the restore", () -> !s3.keys().contains(key(old)));
    assertEquals(404, Http.as(server, "mallory-archive").get("/v1/conversations/" + old + "/messages").statusCode());
  }

  @Test
  @DisplayName("Appending to, chatting in, and reading one message of an archived conversation restore it first; "
      + "erasure deletes archived objects")
  void writesRestore() {
    Http bob = Http.as(server, "bob-archive");
    String id = conversation(bob, 2);
    untouchedFor(server, id, 100);
    assertEquals(1, run(server).getInteger("archived"));
    var appended = bob.post("/v1/conversations/" + id + "/messages", new JsonObject().put("messages",
        new JsonArray().add(new JsonObject().put("role", "user").put("content", "back again"))));
    assertEquals(201, appended.statusCode(), appended.bodyAsString());
    assertEquals(3L, appended.bodyAsJsonObject().getJsonArray("data").getJsonObject(0).getLong("seq"));
    assertEquals(3, history(bob, id).size());

    untouchedFor(server, id, 100);
    assertEquals(1, run(server).getInteger("archived"));
    fake.reset();
    var turn = bob.post("/v1/chat", new JsonObject().put("conversation_id", id).put("message", "what did I say?"));
    assertEquals(200, turn.statusCode(), turn.bodyAsString());
    assertEquals(4, fake.lastCall().messages().size(), "the turn saw the restored history");

    untouchedFor(server, id, 100);
    assertEquals(1, run(server).getInteger("archived"));
    String first = server.sqlLong("SELECT count(*) FROM messages WHERE conversation_id = '" + id + "'") == 0 ? "cold" : "hot";
    assertEquals("cold", first);
    assertTrue(s3.keys().contains(key(id)));
    assertEquals(204, bob.delete("/v1/users/me").statusCode());
    Eventually.eventually(10_000, "erasure deletes the archived object", () -> !s3.keys().contains(key(id)));
  }

  @Test
  @DisplayName("A cold conversation deleted by its user is purged with its object after retention.deleted_days")
  void purgeRemovesTheObject() {
    Http erin = Http.as(server, "erin-archive-purge");
    String id = conversation(erin, 2);
    untouchedFor(server, id, 95);
    assertEquals(1, run(server).getInteger("archived"));
    assertTrue(s3.keys().contains(key(id)));
    assertEquals(204, erin.delete("/v1/conversations/" + id).statusCode());
    assertEquals(404, erin.get("/v1/conversations/" + id + "/messages").statusCode(), "deleted is deleted, cold or not");
    assertTrue(s3.keys().contains(key(id)), "kept until the retention ends");
    server.sql("UPDATE conversations SET deleted_at = now() - interval '31 days' WHERE id = '" + id + "'");
    assertEquals(1, run(server).getInteger("conversations"));
    Eventually.eventually(10_000, "the purge deletes the object", () -> !s3.keys().contains(key(id)));
  }

  @Test
  @DisplayName("With no bucket configured, the archive is a directory under the data directory")
  void localDirectory() throws IOException {
    try (TestServer local = TestServer.start(Map.of("PARLEY_MAINTENANCE_EVERY_MS", "0"))) {
      Http carol = Http.as(local, "carol-local-archive");
      String id = conversation(carol, 2);
      JsonArray before = history(carol, id);
      untouchedFor(local, id, 91);
      assertEquals(1, run(local).getInteger("archived"));
      Path file = Path.of(local.env().get("PARLEY_DATA_DIR"), "archive", "conversations", id + ".ndjson.gz");
      assertTrue(Files.exists(file), file.toString());
      assertEquals(3, lines(Files.readAllBytes(file)).size());
      assertEquals(before, history(carol, id));
      assertFalse(Files.exists(file), "deleted after the restore");
    }
  }

  @Test
  @DisplayName("A node killed between the archive's steps (uploaded, not verified; verified, not committed) loses "
      + "nothing, and the next run archives it properly")
  void killedBetweenSteps() throws Exception {
    try (HoldingProxy proxy = new HoldingProxy(s3.port())) {
      Map<String, String> env = new HashMap<>(S3Server.env(proxy.endpoint()));
      env.put("PARLEY_PG_URL", TestServices.freshDatabase());
      env.put("PARLEY_MAINTENANCE_EVERY_MS", "600000");
      env.put("PARLEY_MAINTENANCE_FIRST_RUN_MS", "1500");
      env.put("PARLEY_ARCHIVE_TIMEOUT_MS", "60000");

      String id;
      JsonArray before;
      try (TestServer writer = TestServer.start(Map.of("PARLEY_PG_URL", env.get("PARLEY_PG_URL"),
          "PARLEY_MAINTENANCE_EVERY_MS", "0"))) {
        Http dave = Http.as(writer, "dave-killed");
        id = conversation(dave, 3);
        before = history(dave, id);
        untouchedFor(writer, id, 120);
      }

      // Step 1: the object is uploaded, the node dies while reading it back.
      proxy.hold(HttpMethod.GET);
      try (ParleyProcess node = ParleyProcess.start(env, false, null)) {
        assertTrue(proxy.awaitHeld(60), "the job uploaded and began to read back");
        node.kill();
      }
      assertTrue(s3.keys().contains(key(id)), "uploaded");
      try (TestServer after = TestServer.start(Map.of("PARLEY_PG_URL", env.get("PARLEY_PG_URL"),
          "PARLEY_MAINTENANCE_EVERY_MS", "0"))) {
        assertEquals(3, after.sqlLong("SELECT count(*) FROM messages WHERE conversation_id = '" + id + "'"));
        assertEquals(0, after.sqlLong("SELECT count(*) FROM conversations WHERE cold_key IS NOT NULL"));
        assertEquals(before, history(Http.as(after, "dave-killed"), id));
      }

      // Step 2: uploaded and verified, the node dies waiting for the row lock of the final transaction.
      proxy.hold(null);
      var db = dev.parley.db.DatabaseUrl.parse(env.get("PARLEY_PG_URL"));
      try (Connection blocker = DriverManager.getConnection(db.jdbcUrl(), db.user(), db.password());
           Statement s = blocker.createStatement()) {
        blocker.setAutoCommit(false);
        s.execute("SELECT 1 FROM conversations WHERE id = '" + id + "' FOR UPDATE");
        int forwardedBefore = proxy.forwarded();
        Path log = Files.createTempFile("parley-archive-kill", ".log");
        try (ParleyProcess node = ParleyProcess.start(env, false, log)) {
          Eventually.eventually(60_000, "the job uploaded and read back", () -> proxy.forwarded() >= forwardedBefore + 2);
          try {
            Eventually.eventually(10_000, "the job waits for the row", () -> waiting(blocker, id));
          } catch (AssertionError e) {
            StringBuilder activity = new StringBuilder();
            try (Statement q = blocker.createStatement();
                 var rs = q.executeQuery("SELECT state, wait_event_type, wait_event, query FROM pg_stat_activity "
                     + "WHERE datname = current_database()")) {
              while (rs.next()) {
                activity.append(rs.getString(1)).append('|').append(rs.getString(2)).append('|').append(rs.getString(3))
                    .append('|').append(rs.getString(4)).append('\n');
              }
            }
            throw new AssertionError(e.getMessage() + "; activity:\n" + activity + "forwarded " + proxy.forwarded()
                + " (before " + forwardedBefore + ")", e);
          }
          node.kill();
        }
        blocker.rollback();
      }
      try (TestServer after = TestServer.start(Map.of("PARLEY_PG_URL", env.get("PARLEY_PG_URL"),
          "PARLEY_MAINTENANCE_EVERY_MS", "0"))) {
        assertEquals(3, after.sqlLong("SELECT count(*) FROM messages WHERE conversation_id = '" + id + "'"));
        assertEquals(0, after.sqlLong("SELECT count(*) FROM conversations WHERE cold_key IS NOT NULL"));
        // The node that was not killed finishes the job, through the same store.
        Map<String, String> s3env = new HashMap<>(S3Server.env(proxy.endpoint()));
        s3env.put("PARLEY_PG_URL", env.get("PARLEY_PG_URL"));
        s3env.put("PARLEY_MAINTENANCE_EVERY_MS", "0");
        try (TestServer finisher = TestServer.start(s3env)) {
          assertEquals(1, run(finisher).getInteger("archived"));
          assertEquals(0, finisher.sqlLong("SELECT count(*) FROM messages WHERE conversation_id = '" + id + "'"));
          assertEquals(before, history(Http.as(finisher, "dave-killed"), id));
        }
        assertNotNull(after);
      }
    }
  }

  /** Whether some other session waits for the row lock this connection holds on the conversation. */
  private static boolean waiting(Connection blocker, String id) {
    try (Statement s = blocker.createStatement();
         var rs = s.executeQuery("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
             + "AND datname = current_database() AND pid <> pg_backend_pid()")) {
      rs.next();
      return rs.getLong(1) > 0;
    } catch (java.sql.SQLException e) {
      throw new IllegalStateException(e);
    }
  }
}
