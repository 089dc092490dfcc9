package dev.parley.ops;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.LoggingEvent;
import dev.parley.support.ChatFixtures;
import dev.parley.support.FakeProvider;
import dev.parley.support.Http;
import dev.parley.support.LogCapture;
import dev.parley.support.Metrics;
import dev.parley.support.TestServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Metrics after traffic, the audit trail, and logs that never carry secrets or message text. */
class OperabilityTest {

  private static final String CANARY_CONTENT = "CANARY-CONTENT-b9e1-do-not-log";
  private static final String CANARY_JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJjYW5hcnkifQ.Q0FOQVJZLXNpZ25hdHVyZQ";

  private static FakeProvider fake;
  private static TestServer server;
  private static LogCapture logs;
  private static Http user;

  @BeforeAll
  static void start() {
    logs = new LogCapture();
    fake = new FakeProvider();
    server = TestServer.start(ChatFixtures.env(fake, Map.of()));
    user = Http.as(server, "ops-user");
    traffic();
  }

  @AfterAll
  static void stop() {
    server.close();
    fake.close();
    logs.close();
  }

  /** The same traffic for every test of this class: counted exactly below. */
  private static void traffic() {
    String id = user.newConversation(new JsonObject().put("messages", new JsonArray()
        .add(ChatFixtures.userMessage(CANARY_CONTENT)).add(new JsonObject().put("role", "assistant").put("content", "ok"))));
    JsonObject append = new JsonObject().put("messages", new JsonArray().add(ChatFixtures.userMessage(CANARY_CONTENT)));
    user.post("/v1/conversations/" + id + "/messages", append, "ops-key");
    user.post("/v1/conversations/" + id + "/messages", append, "ops-key");
    user.post("/v1/chat", new JsonObject().put("conversation_id", id).put("message", CANARY_CONTENT));
    user.post("/v1/chat", new JsonObject().put("conversation_id", id).put("message", "a").put("model", "limited"));
    assertEquals(429, user.post("/v1/chat", new JsonObject().put("conversation_id", id).put("message", "b")
        .put("model", "limited")).statusCode());
    user.get("/v1/conversations/" + id);
    user.get("/v1/conversations/" + id + "/messages");
    assertEquals(401, Http.withAuthorization(server, "Bearer " + CANARY_JWT).get("/v1/conversations").statusCode());
    for (int i = 0; i < 3; i++) {
      fake.then(call -> call.status(500, null, new JsonObject()));
    }
    user.post("/v1/chat", new JsonObject().put("conversation_id", id).put("message", CANARY_CONTENT));
    assertEquals(204, user.delete("/v1/conversations/" + id).statusCode());
  }

  private static double metric(String name, String... labels) {
    return Metrics.value(server, name, labels);
  }

  @Test
  @DisplayName("A node starts without the metrics library's \"Gauge already registered\" warning")
  void noGaugeWarningAtStart() {
    assertTrue(logs.lines().stream().anyMatch(l -> l.contains("Parley")), "the node's start was captured");
    assertFalse(logs.lines().stream().anyMatch(l -> l.contains("already registered")),
        logs.lines().stream().filter(l -> l.contains("already registered")).findFirst().orElse(""));
  }

  @Test
  @DisplayName("Readiness tells a node without Redis apart from one whose Redis is fine")
  void readinessSaysRedisIsNotConfigured() {
    JsonObject ready = Http.withAuthorization(server, null).get("/health/ready").bodyAsJsonObject();
    JsonObject redis = ready.getJsonArray("checks").stream().map(c -> (JsonObject) c)
        .filter(c -> "redis".equals(c.getString("id"))).findFirst().orElseThrow();
    assertEquals("not configured", redis.getJsonObject("data").getString("state"), ready.encode());
    assertEquals("UP", ready.getString("status"));
  }

  @Test
  @DisplayName("After traffic, /metrics shows each Parley metric with the right labels and values, and no user ids")
  void metrics() {
    assertEquals(1, metric("parley_conversations_new_total"));
    // 2 at creation, 1 append (its replay wrote nothing), 2 per successful turn, 1 per failed turn (x2).
    assertEquals(9, metric("parley_messages_appended_total"));
    assertEquals(1, metric("parley_idempotent_replays_total"));
    assertEquals(2, metric("parley_chat_turns_total", "outcome=\"ok\""));
    assertEquals(1, metric("parley_chat_turns_total", "outcome=\"rate_limited\""));
    assertEquals(1, metric("parley_chat_turns_total", "outcome=\"provider_error\""));
    assertEquals(1, metric("parley_rate_limit_rejections_total", "scope=\"model_requests\""));
    assertEquals(1, metric("parley_llm_calls_total", "model=\"fake-gpt\"", "provider=\"openai\"", "status=\"ok\""));
    assertEquals(3, metric("parley_llm_calls_total", "model=\"fake-gpt\"", "status=\"overloaded\""));
    assertEquals(FakeProvider.PROMPT_TOKENS, metric("parley_llm_tokens_total", "kind=\"prompt\"", "model=\"fake-gpt\""));
    assertEquals(FakeProvider.COMPLETION_TOKENS, metric("parley_llm_tokens_total", "kind=\"completion\"", "model=\"fake-gpt\""));
    assertEquals(4, metric("parley_llm_latency_seconds_count", "model=\"fake-gpt\""));
    assertEquals(0, metric("parley_degraded", "component=\"redis\""));
    String scrape = Metrics.scrape(server);
    assertTrue(scrape.contains("parley_llm_latency_seconds_bucket{"), "latency is a histogram");
    assertTrue(scrape.contains("vertx_http_server_requests_total"), "Vert.x HTTP server metrics");
    assertTrue(scrape.contains("vertx_eventbus_"), "Vert.x event-bus metrics");
    assertTrue(scrape.lines().anyMatch(l -> l.startsWith("vertx_http_server_requests_total{")
        && l.contains("route=\"") && l.contains("conversation_id")), "HTTP metrics carry the matched route:\n" + scrape);
    assertTrue(scrape.contains("vertx_pool_"), "Vert.x pool metrics");
    assertFalse(scrape.contains("ops-user"), "no user id in any label");
    for (String name : DockerFilesTest.PARLEY_METRICS) {
      // The cache metric appears with Redis (RedisCacheTest reads it).
      assertTrue(name.startsWith("parley_cache") || scrape.contains("\n" + name), name);
    }
  }

  @Test
  @DisplayName("No JWT, API key or message content reaches any log line; access and LLM lines are there")
  void noSecretsInLogs() {
    List<String> lines = logs.lines();
    String valid = server.token("ops-user");
    for (String line : lines) {
      assertFalse(line.contains(CANARY_CONTENT), "message text in: " + line);
      assertFalse(line.contains(CANARY_JWT.substring(0, 40)), "a JWT in: " + line);
      assertFalse(line.contains(valid.substring(valid.indexOf('.'))), "a JWT in: " + line);
      assertFalse(line.contains("sk-test-openai-canary"), "an API key in: " + line);
      assertFalse(line.contains(TestServer.SECRET), "the HS256 secret in: " + line);
    }
    assertTrue(lines.stream().anyMatch(l -> l.contains("\"operation\":\"appendMessages\"") && l.contains("\"user\":\"ops-user\"")
        && l.contains("\"status\":201") && l.contains("\"latency_ms\"") && l.contains("\"request_id\"")), "access log");
    assertTrue(lines.stream().anyMatch(l -> l.contains("\"message\":\"llm call\"") && l.contains("\"status\":\"overloaded\"")),
        "LLM call log");
  }

  @Test
  @DisplayName("The audit logger records who read, changed and deleted which conversation, with the request id")
  void audit() {
    List<ILoggingEvent> audit = logs.events().stream().filter(e -> "audit".equals(e.getLoggerName())).toList();
    for (String action : List.of("create", "change", "read", "delete")) {
      assertTrue(audit.stream().anyMatch(e -> e.getKeyValuePairs().stream().anyMatch(kv -> kv.key.equals("action") && kv.value.equals(action))
          && e.getKeyValuePairs().stream().anyMatch(kv -> kv.key.equals("user") && "ops-user".equals(kv.value))
          && e.getKeyValuePairs().stream().anyMatch(kv -> kv.key.equals("conversation_id") && kv.value != null)
          && e.getKeyValuePairs().stream().anyMatch(kv -> kv.key.equals("request_id") && kv.value != null)), action);
    }
  }

  @Test
  @DisplayName("The JSON encoder masks anything shaped like a JWT, a bearer token or an API key")
  void masking() {
    LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
    LoggingEvent event = new LoggingEvent("test", context.getLogger("test"), Level.WARN,
        "auth " + CANARY_JWT + " header Bearer abc.def-ghi key sk-ant-api03-ABCDEFGHIJKLMNOP", null, null);
    String line = logs.encode(event);
    assertFalse(line.contains(CANARY_JWT), line);
    assertFalse(line.contains("abc.def-ghi"), line);
    assertFalse(line.contains("ABCDEFGHIJKLMNOP"), line);
    assertTrue(line.contains("****"), line);
  }
}
