package dev.parley.http;

import dev.parley.bus.InternalAddresses;
import dev.parley.support.Http;
import dev.parley.support.TestServer;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Export everything as NDJSON (paged, archived and cold conversations included) and import it back, idempotently. */
class UserDataTest {

  private static TestServer server;

  @BeforeAll
  static void start() {
    server = TestServer.start(Map.of("PARLEY_MAINTENANCE_EVERY_MS", "0"));
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  private static HttpResponse<Buffer> export(String user) {
    return TestServer.await(server.client().get(server.port(), "127.0.0.1", "/v1/users/me/export")
        .putHeader("Authorization", server.bearer(user)).send());
  }

  private static HttpResponse<Buffer> importLines(String user, String body, String type) {
    return TestServer.await(server.client().request(HttpMethod.POST, server.port(), "127.0.0.1", "/v1/users/me/import")
        .putHeader("Authorization", server.bearer(user)).putHeader("Content-Type", type).sendBuffer(Buffer.buffer(body)));
  }

  private static List<JsonObject> lines(HttpResponse<Buffer> response) {
    List<JsonObject> out = new ArrayList<>();
    response.bodyAsString().lines().forEach(l -> out.add(new JsonObject(l)));
    return out;
  }

  private static long owned(String user, String table) {
    return table.equals("conversations")
        ? server.sqlLong("SELECT count(*) FROM conversations WHERE owner = '" + user + "'")
        : server.sqlLong("SELECT count(*) FROM messages m JOIN conversations c ON c.id = m.conversation_id WHERE c.owner = '"
            + user + "'");
  }

  @Test
  @DisplayName("Export streams every conversation (archived and cold too, across pages) with its messages; "
      + "import recreates them in another account, and a second import skips them")
  void roundTrip() {
    Http alice = Http.as(server, "alice-export");
    String first = alice.newConversation(new JsonObject().put("title", "first").put("metadata", new JsonObject().put("k", "v"))
        .put("messages", new JsonArray()
            .add(new JsonObject().put("role", "user").put("content", "hello ✓").put("selected_text", "sel")
                .put("sources", new JsonArray().add(new JsonObject().put("url", "https://example.org"))))
            .add(new JsonObject().put("role", "assistant").put("content", "hi there").put("metadata", new JsonObject().put("r", 1)))));
    String archived = alice.newConversation(new JsonObject().put("title", "archived one").put("messages", new JsonArray()
        .add(new JsonObject().put("role", "user").put("content", "kept in the archive"))));
    alice.patch("/v1/conversations/" + archived, new JsonObject().put("archived", true));
    String cold = alice.newConversation(new JsonObject().put("title", "cold one").put("messages", new JsonArray()
        .add(new JsonObject().put("role", "user").put("content", "in cold storage"))));
    server.sql("UPDATE conversations SET updated_at = now() - interval '200 days' WHERE id = '" + cold + "'");
    TestServer.await(server.nodeVertx().eventBus().request(InternalAddresses.MAINTENANCE_RUN, new JsonObject()));
    assertEquals(0, server.sqlLong("SELECT count(*) FROM messages WHERE conversation_id = '" + cold + "'"), "cold");
    for (int i = 0; i < 110; i++) {
      alice.newConversation(new JsonObject().put("title", "bulk " + i).put("messages", new JsonArray()
          .add(new JsonObject().put("role", "user").put("content", "bulk message " + i))));
    }
    String gone = alice.newConversation(new JsonObject().put("title", "deleted"));
    alice.delete("/v1/conversations/" + gone);
    Http.as(server, "someone-else-export").newConversation(new JsonObject().put("title", "not alice's"));

    HttpResponse<Buffer> exported = export("alice-export");
    assertEquals(200, exported.statusCode(), exported.bodyAsString());
    assertEquals("application/x-ndjson", exported.getHeader("Content-Type"));
    assertEquals("chunked", exported.getHeader("Transfer-Encoding"));
    List<JsonObject> lines = lines(exported);
    assertEquals("export", lines.get(0).getString("type"));
    JsonObject end = lines.get(lines.size() - 1);
    assertEquals("end", end.getString("type"), end.encode());
    assertEquals(113, end.getInteger("conversations"));
    assertEquals(114, end.getLong("messages"));
    List<String> titles = lines.stream().filter(l -> "conversation".equals(l.getString("type")))
        .map(l -> l.getJsonObject("conversation").getString("title")).toList();
    assertTrue(titles.containsAll(List.of("first", "archived one", "cold one")), titles.toString());
    assertFalse(titles.contains("deleted"));
    assertFalse(titles.contains("not alice's"));
    int at = titles.indexOf("first");
    List<JsonObject> firstLines = new ArrayList<>();
    boolean in = false;
    for (JsonObject line : lines) {
      if ("conversation".equals(line.getString("type"))) {
        in = line.getJsonObject("conversation").getString("title").equals("first");
      } else if (in && "message".equals(line.getString("type"))) {
        firstLines.add(line.getJsonObject("message"));
      }
    }
    assertTrue(at >= 0);
    assertEquals(List.of("hello ✓", "hi there"), firstLines.stream().map(m -> m.getString("content")).toList());
    assertEquals("sel", firstLines.get(0).getString("selected_text"));

    String body = exported.bodyAsString();
    HttpResponse<Buffer> imported = importLines("bob-import", body, "application/x-ndjson");
    assertEquals(200, imported.statusCode(), imported.bodyAsString());
    assertEquals(113, imported.bodyAsJsonObject().getInteger("conversations_imported"));
    assertEquals(114, imported.bodyAsJsonObject().getInteger("messages_imported"));
    assertEquals(113, owned("bob-import", "conversations"));
    Http bob = Http.as(server, "bob-import");
    JsonObject bobFirst = all(bob).stream().filter(c -> "first".equals(c.getString("title"))).findFirst().orElseThrow();
    assertEquals(new JsonObject().put("k", "v"), bobFirst.getJsonObject("metadata"));
    JsonArray history = bob.get("/v1/conversations/" + bobFirst.getString("id") + "/messages").bodyAsJsonObject()
        .getJsonArray("data");
    assertEquals("hello ✓", history.getJsonObject(0).getString("content"));
    assertEquals("sel", history.getJsonObject(0).getString("selected_text"));
    assertEquals(firstLines.get(1).getString("created_at"), history.getJsonObject(1).getString("created_at"));
    assertEquals(new JsonObject().put("r", 1), history.getJsonObject(1).getJsonObject("metadata"));
    assertTrue(bob.get("/v1/conversations?archived=true&limit=100").bodyAsJsonObject().encode().contains("archived one"));

    HttpResponse<Buffer> again = importLines("bob-import", body, "application/x-ndjson");
    assertEquals(200, again.statusCode());
    assertEquals(0, again.bodyAsJsonObject().getInteger("conversations_imported"));
    assertEquals(113, again.bodyAsJsonObject().getInteger("conversations_skipped"));
    assertEquals(113, owned("bob-import", "conversations"), "idempotent");
  }

  /** Every conversation of the user that is not archived, page by page. */
  private static List<JsonObject> all(Http user) {
    List<JsonObject> out = new ArrayList<>();
    String after = null;
    while (true) {
      JsonObject page = user.get("/v1/conversations?limit=100" + (after == null ? "" : "&after=" + after)).bodyAsJsonObject();
      page.getJsonArray("data").forEach(c -> out.add((JsonObject) c));
      if (!page.getBoolean("has_more")) {
        return out;
      }
      after = page.getString("last_id");
    }
  }

  @Test
  @DisplayName("A bad line is a 400 that names it, and nothing is imported")
  void badLines() {
    String good = "{\"type\":\"conversation\",\"conversation\":{\"id\":\"c1\",\"title\":\"t\"}}\n"
        + "{\"type\":\"message\",\"message\":{\"role\":\"user\",\"content\":\"fine\"}}\n";
    String badRole = good + "{\"type\":\"conversation\",\"conversation\":{\"id\":\"c2\"}}\n"
        + "{\"type\":\"message\",\"message\":{\"role\":\"robot\",\"content\":\"x\"}}\n";
    HttpResponse<Buffer> refused = importLines("carol-import", badRole, "application/x-ndjson");
    assertEquals(400, refused.statusCode(), refused.bodyAsString());
    assertEquals("application/problem+json", refused.getHeader("Content-Type"));
    assertTrue(refused.bodyAsJsonObject().getJsonArray("errors").getJsonObject(0).getString("detail").startsWith("line 4:"),
        refused.bodyAsString());
    HttpResponse<Buffer> notJson = importLines("carol-import", good + "\n{not json\n", "application/x-ndjson");
    assertEquals(400, notJson.statusCode());
    assertTrue(notJson.bodyAsString().contains("line 4"), notJson.bodyAsString());
    HttpResponse<Buffer> orphan = importLines("carol-import", "{\"type\":\"message\",\"message\":{\"role\":\"user\",\"content\":\"x\"}}",
        "application/x-ndjson");
    assertEquals(400, orphan.statusCode());
    assertEquals(415, importLines("carol-import", good, "text/csv").statusCode());
    assertEquals(0, owned("carol-import", "conversations"), "nothing imported");
    assertEquals(200, importLines("carol-import", good, "application/x-ndjson").statusCode());
    assertEquals(1, owned("carol-import", "conversations"));
    assertEquals(1, owned("carol-import", "messages"));
  }
}
