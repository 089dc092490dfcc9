package dev.parley.ops;

import dev.parley.support.ChatFixtures;
import dev.parley.support.FakeProvider;
import dev.parley.support.LogCapture;
import dev.parley.support.TestServer;
import dev.parley.support.TestServices;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Parley keeps no client IP address and no user agent: not in any table, not in any log line.
 * Every operation is called with a recognisable user agent and forwarding headers naming a
 * recognisable address, plus the real client address (127.0.0.1); then every row of every table
 * (as text) and every log line written meanwhile is searched for them.
 */
class PrivacyTest {

  private static final String AGENT = "PrivacyProbe/9.9 (canary-agent-5d1f)";
  private static final String FORWARDED_IP = "203.0.113.77";
  private static final Pattern COLUMN = Pattern.compile(
      "(^|_)(ip|ips|ip_address|ipaddr|addr|address|remote|remote_addr|client_ip|agent|user_agent|useragent|ua)($|_)");

  @Test
  @DisplayName("No table and no log line stores a client IP address or user agent, across every operation")
  void noAddressesNoAgents() throws Exception {
    try (FakeProvider fake = new FakeProvider(); LogCapture logs = new LogCapture()) {
      Map<String, String> env = new HashMap<>(ChatFixtures.env(fake, Map.of()));
      env.put("PARLEY_REDIS_URL", TestServices.redisUrl());
      try (TestServer server = TestServer.start(env)) {
        int before = logs.lines().size();
        traffic(server);
        List<String> lines = logs.lines();
        List<String> during = lines.subList(before, lines.size());
        assertTrue(during.size() > 20, "the traffic was logged: " + during.size());
        for (String line : during) {
          for (String secret : new String[] {"canary-agent", "PrivacyProbe", FORWARDED_IP}) {
            assertTrue(!line.contains(secret), "a log line holds " + secret + ": " + line);
          }
          assertTrue(!line.contains("127.0.0.1") || !line.contains("\"logger_name\":\"access\"")
              && !line.contains("\"logger_name\":\"audit\""), "an access or audit line holds the client address: " + line);
          assertTrue(!line.toLowerCase().contains("user-agent") && !line.toLowerCase().contains("user_agent"), line);
        }

        try (Connection db = jdbc(server); Statement s = db.createStatement()) {
          List<String[]> columns = new ArrayList<>();
          try (ResultSet rs = s.executeQuery("SELECT table_name, column_name FROM information_schema.columns "
              + "WHERE table_schema = 'public' ORDER BY 1, 2")) {
            while (rs.next()) {
              columns.add(new String[] {rs.getString(1), rs.getString(2)});
            }
          }
          assertTrue(columns.size() > 30, "the schema was read: " + columns.size());
          List<String> tables = new ArrayList<>();
          for (String[] column : columns) {
            assertTrue(!COLUMN.matcher(column[1]).find(), "a column that looks like an address or agent: "
                + column[0] + "." + column[1]);
            if (!tables.contains(column[0])) {
              tables.add(column[0]);
            }
          }
          long rows = 0;
          for (String table : tables) {
            try (ResultSet rs = s.executeQuery("SELECT t::text FROM \"" + table + "\" t")) {
              while (rs.next()) {
                rows++;
                String row = rs.getString(1);
                for (String secret : new String[] {"canary-agent", "PrivacyProbe", FORWARDED_IP, "127.0.0.1"}) {
                  assertTrue(!row.contains(secret), table + " stores " + secret + ": " + row);
                }
              }
            }
          }
          assertTrue(rows > 10, "rows were written and read: " + rows);
        }
      }
    }
  }

  private static Connection jdbc(TestServer server) throws Exception {
    var db = dev.parley.db.DatabaseUrl.parse(server.env().get("PARLEY_PG_URL"));
    return DriverManager.getConnection(db.jdbcUrl(), db.user(), db.password());
  }

  private static HttpResponse<Buffer> call(TestServer server, HttpMethod method, String path, String bearer, JsonObject body) {
    HttpRequest<Buffer> request = server.client().request(method, server.port(), "127.0.0.1", path)
        .putHeader("User-Agent", AGENT)
        .putHeader("X-Forwarded-For", FORWARDED_IP + ", 198.51.100.1")
        .putHeader("X-Real-IP", FORWARDED_IP)
        .putHeader("Forwarded", "for=" + FORWARDED_IP + ";proto=https");
    if (bearer != null) {
      request.putHeader("Authorization", bearer);
    }
    return TestServer.await(body == null ? request.send() : request.sendJsonObject(body));
  }

  /** Every operation once, with the probe headers, including failures and an anonymous claim. */
  private static void traffic(TestServer server) {
    String alice = server.bearer("alice-privacy");
    JsonObject created = call(server, HttpMethod.POST, "/v1/conversations", alice, new JsonObject().put("title", "t")
        .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", "hello")))).bodyAsJsonObject();
    String id = created.getString("id");
    String base = "/v1/conversations/" + id;
    JsonArray stored = call(server, HttpMethod.POST, base + "/messages", alice, new JsonObject().put("messages",
        new JsonArray().add(new JsonObject().put("role", "assistant").put("content", "hi").put("selected_text", "sel"))))
        .bodyAsJsonObject().getJsonArray("data");
    String message = stored.getJsonObject(0).getString("id");
    assertEquals(200, call(server, HttpMethod.GET, base + "/messages", alice, null).statusCode());
    assertEquals(200, call(server, HttpMethod.GET, base + "/messages", alice, null).statusCode());
    assertEquals(200, call(server, HttpMethod.GET, base, alice, null).statusCode());
    assertEquals(200, call(server, HttpMethod.GET, "/v1/conversations", alice, null).statusCode());
    assertEquals(200, call(server, HttpMethod.PATCH, base, alice, new JsonObject().put("title", "renamed")).statusCode());
    assertEquals(200, call(server, HttpMethod.GET, base + "/messages/" + message, alice, null).statusCode());
    assertEquals(200, call(server, HttpMethod.PATCH, base + "/messages/" + message, alice,
        new JsonObject().put("metadata", new JsonObject().put("k", "v"))).statusCode());
    assertEquals(200, call(server, HttpMethod.POST, "/v1/chat", alice, new JsonObject().put("conversation_id", id)
        .put("message", "a question")).statusCode());
    assertEquals(200, call(server, HttpMethod.POST, base + "/context", alice, new JsonObject().put("message", "x"))
        .statusCode());
    assertEquals(204, call(server, HttpMethod.DELETE, base + "/messages/" + message, alice, null).statusCode());
    assertEquals(400, call(server, HttpMethod.POST, "/v1/conversations", alice, new JsonObject().put("nope", 1)).statusCode());
    assertEquals(401, call(server, HttpMethod.GET, "/v1/conversations", "Bearer not-a-token", null).statusCode());
    assertEquals(404, call(server, HttpMethod.GET, "/v1/conversations/" + java.util.UUID.randomUUID(), alice, null)
        .statusCode());
    JsonObject anonymous = call(server, HttpMethod.POST, "/v1/auth/anonymous", null, new JsonObject()).bodyAsJsonObject();
    String anon = "Bearer " + anonymous.getString("token");
    assertEquals(200, call(server, HttpMethod.POST, "/v1/chat", anon, new JsonObject().put("message", "anonymous hello"))
        .statusCode());
    assertEquals(200, call(server, HttpMethod.POST, "/v1/users/me/claim", alice,
        new JsonObject().put("anonymous_token", anonymous.getString("token"))).statusCode());
    assertEquals(201, call(server, HttpMethod.POST, "/v1/conversations", alice, new JsonObject()).statusCode());
    assertEquals(200, call(server, HttpMethod.GET, "/health/ready", null, null).statusCode());
  }
}
