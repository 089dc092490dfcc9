package dev.parley.http;

import dev.parley.db.DatabaseUrl;
import dev.parley.support.RawHttp;
import dev.parley.support.TestServer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.EdgeCasesMode;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import org.yaml.snakeyaml.Yaml;

import java.io.IOException;
import java.io.InputStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Hostile requests generated from openapi.yaml for every operation (plus unknown paths and
 * methods): wrong types, huge and deep values, NUL, lone surrogates, invalid and overlong UTF-8,
 * odd content types, bad escapes, duplicate keys, huge numbers, forged and malformed tokens.
 * Every answer must come within 5 s, never be a 5xx, be problem+json when it is an error (OpenAI's
 * error shape on the OpenAI-compatible paths), and a
 * rejected request must leave the stored data exactly as it was.
 */
class HostileRequestsPropertyTest {

  private static TestServer server;
  private static Connection db;
  private static String baseline;
  private static String mine;
  private static String theirs;
  private static List<Operation> operations;

  /** One operation of the contract: method, path template, query parameter names. */
  record Operation(String method, String path, List<String> query) {
  }

  /** One generated request. */
  record Hostile(Operation op, String target, String contentType, byte[] body, String authorization, String key) {
    @Override
    public String toString() {
      return op.method() + " " + target + " [" + contentType + "] " + (body == null ? "-"
          : new String(body, 0, Math.min(body.length, 300), StandardCharsets.ISO_8859_1)) + " auth=" + authorization;
    }
  }

  @BeforeContainer
  static void start() throws Exception {
    server = TestServer.start(Map.of("PARLEY_LIMITS_BODY_BYTES", "65536"));
    DatabaseUrl url = DatabaseUrl.parse(server.env().get("PARLEY_PG_URL"));
    db = DriverManager.getConnection(url.jdbcUrl(), url.user(), url.password());
    mine = create("prop-alice");
    theirs = create("prop-bob");
    operations = contractOperations();
    baseline = fingerprint();
  }

  @AfterContainer
  static void stop() throws SQLException {
    db.close();
    server.close();
  }

  private static String create(String user) throws IOException {
    RawHttp.Response created = RawHttp.send(server.port(), "POST", "/v1/conversations",
        Map.of("Authorization", server.bearer(user), "Content-Type", "application/json"),
        "{\"messages\":[{\"role\":\"user\",\"content\":\"seed\"}]}".getBytes(StandardCharsets.UTF_8), 5_000);
    return new JsonObject(created.text()).getString("id");
  }

  /**
   * GETs whose valid answer is an open event stream (nothing to read to the end): their refusals
   * are tested in ConversationEventsTest and ResumableTurnTest.
   */
  private static final java.util.Set<String> STREAMS = java.util.Set.of("followConversation", "followTurn");

  @SuppressWarnings("unchecked")
  private static List<Operation> contractOperations() throws IOException {
    Map<String, Object> contract;
    try (InputStream in = Files.newInputStream(Path.of("openapi.yaml"))) {
      contract = new Yaml().load(in);
    }
    Map<String, Object> shared = (Map<String, Object>) ((Map<String, Object>) contract.get("components")).get("parameters");
    List<Operation> out = new ArrayList<>();
    ((Map<String, Object>) contract.get("paths")).forEach((path, item) -> ((Map<String, Object>) item).forEach((method, op) -> {
      if (!(op instanceof Map<?, ?> operation) || "parameters".equals(method)
          || STREAMS.contains(((Map<?, ?>) op).get("operationId"))) {
        return;
      }
      List<String> query = new ArrayList<>();
      for (Object p : (List<Object>) ((Map<String, Object>) operation).getOrDefault("parameters", List.of())) {
        Map<String, Object> param = (Map<String, Object>) p;
        if (param.containsKey("$ref")) {
          String ref = param.get("$ref").toString();
          param = (Map<String, Object>) shared.get(ref.substring(ref.lastIndexOf('/') + 1));
        }
        if ("query".equals(param.get("in"))) {
          query.add(param.get("name").toString());
        }
      }
      out.add(new Operation(method.toUpperCase(), path, query));
    }));
    out.add(new Operation("PUT", "/v1/conversations/{conversation_id}", List.of()));
    out.add(new Operation("GET", "/v1/nowhere/{conversation_id}", List.of("q")));
    out.add(new Operation("OPTIONS", "/v1/chat", List.of()));
    return out;
  }

  private static String fingerprint() throws SQLException {
    try (Statement s = db.createStatement(); ResultSet rs = s.executeQuery(
        "SELECT md5(coalesce(string_agg(x, ',' ORDER BY x), '')) FROM ("
            + "SELECT c::text AS x FROM conversations c UNION ALL SELECT m::text FROM messages m "
            + "UNION ALL SELECT k.owner || k.key || k.status FROM idempotency_keys k) t")) {
      rs.next();
      return rs.getString(1);
    }
  }

  // 5,000 tries: the rules themselves are unit-tested (RequestsTest, InputRulesTest) and held per
  // address at the bus edge against HTTP (PublicContractTest); this fuzzes the HTTP edge around them.
  @Property(tries = 5_000, seed = "20261125", edgeCases = EdgeCasesMode.NONE)
  void neverA5xxNeverAChangeWhenRejected(@ForAll("hostile") Hostile request) throws Exception {
    Map<String, String> headers = new LinkedHashMap<>();
    if (request.authorization() != null) {
      headers.put("Authorization", request.authorization());
    }
    if (request.contentType() != null) {
      headers.put("Content-Type", request.contentType());
    }
    if (request.key() != null) {
      headers.put("Idempotency-Key", request.key());
    }
    RawHttp.Response response = RawHttp.send(server.port(), request.op().method(), request.target(), headers,
        request.body(), 5_000);
    assertTrue(response.status() < 500, () -> response.status() + " " + response.text());
    String after = fingerprint();
    if (response.status() >= 400) {
      if (request.target().startsWith("/v1/chat/completions") || request.target().startsWith("/v1/models")) {
        // OpenAI's clients read OpenAI's error shape there.
        assertEquals("application/json", response.header("Content-Type"), response::text);
        assertTrue(new JsonObject(response.text()).getJsonObject("error").getString("type").endsWith("_error"), response::text);
      } else {
        assertEquals("application/problem+json", response.header("Content-Type"), response::text);
        assertEquals(response.status(), new JsonObject(response.text()).getInteger("status"));
      }
      assertEquals(baseline, after, () -> "a rejected request changed stored data: " + response.text());
    }
    baseline = after;
  }

  @Provide
  Arbitrary<Hostile> hostile() {
    Arbitrary<Operation> ops = Arbitraries.of(operations);
    return ops.flatMap(op -> Combinators.combine(target(op), contentTypes(), bodies(), authorizations(), keys())
        .as((target, type, body, auth, key) -> new Hostile(op, target, type, "GET".equals(op.method()) && body != null
            && body.length % 3 != 0 ? null : body, auth, key)));
  }

  private Arbitrary<String> target(Operation op) {
    Arbitrary<String> conversation = Arbitraries.frequencyOf(
        net.jqwik.api.Tuple.of(6, Arbitraries.just(mine)),
        net.jqwik.api.Tuple.of(1, Arbitraries.just(theirs)),
        net.jqwik.api.Tuple.of(1, Arbitraries.just("5a5a5a5a-0000-4000-8000-000000000000")),
        net.jqwik.api.Tuple.of(3, rawSegments()));
    Arbitrary<String> user = Arbitraries.oneOf(Arbitraries.just("prop-alice"), Arbitraries.just("prop-bob"), rawSegments());
    Arbitrary<String> query = queryString(op);
    return Combinators.combine(conversation, user, query).as((c, u, q) ->
        op.path().replace("{conversation_id}", c).replace("{user_id}", u) + q);
  }

  private Arbitrary<String> rawSegments() {
    return Arbitraries.oneOf(
        Arbitraries.of("%ZZ", "%", "%2", "%C0%AF", "%ED%A0%80", "%00", "..", "%2e%2e", "%FF%FE", "%F0%9F%98%80",
            "null", "-1", "1e999", "a%20b", "%u0041", "x".repeat(3000), mine + "x", mine.toUpperCase()),
        Arbitraries.strings().ofMaxLength(12).map(s -> URLEncoder.encode(s, StandardCharsets.UTF_8)));
  }

  private Arbitrary<String> queryString(Operation op) {
    List<String> names = new ArrayList<>(op.query());
    names.add("limit");
    names.add("unknown");
    Arbitrary<String> value = Arbitraries.oneOf(
        Arbitraries.of("0", "1", "100", "101", "-5", "1e3", "abc", "true", "false", "asc", "desc", "%ZZ", "%C0%AF",
            "%E0%A4", "", "9999999999999999999999", mine, theirs, "%00", "x".repeat(2000)),
        Arbitraries.strings().ofMaxLength(8).map(s -> URLEncoder.encode(s, StandardCharsets.UTF_8)));
    Arbitrary<String> pair = Combinators.combine(Arbitraries.of(names), value).as((n, v) -> n + "=" + v);
    return pair.list().ofMaxSize(3).map(pairs -> pairs.isEmpty() ? "" : "?" + String.join("&", pairs));
  }

  private Arbitrary<String> contentTypes() {
    return Arbitraries.frequencyOf(
        net.jqwik.api.Tuple.of(10, Arbitraries.just("application/json")),
        net.jqwik.api.Tuple.of(1, Arbitraries.of("application/json; charset=utf-8", "application/json; charset=latin1",
            "text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=xyz",
            "multipart/form-data", "application/xml", "a/b/c;;=", "application/problem+json", "*/*")),
        net.jqwik.api.Tuple.of(1, Arbitraries.just((String) null)));
  }

  private Arbitrary<byte[]> bodies() {
    return Arbitraries.frequencyOf(
        net.jqwik.api.Tuple.of(4, json(3).map(StrictBytes::utf8)),
        net.jqwik.api.Tuple.of(4, messageBodies()),
        net.jqwik.api.Tuple.of(2, rawBodies()),
        net.jqwik.api.Tuple.of(1, Arbitraries.just((byte[]) null)));
  }

  /** Bodies of the shapes the contract takes (append, create, chat turn), with hostile values in them. */
  private Arbitrary<byte[]> messageBodies() {
    Arbitrary<String> role = Arbitraries.of("user", "user", "assistant", "system", "tool", "wizard", "", "USER");
    Arbitrary<String> extra = Arbitraries.of("", "", "", ",\"metadata\":{\"k\":1e999999}", ",\"metadata\":{\"a\":{\"b\":1}}",
        ",\"metadata\":{\"k\":\"v\"}", ",\"role\":\"user\"", ",\"sources\":[1,2]", ",\"tool_calls\":{}",
        ",\"stream\":true", ",\"context\":{\"strategy\":\"last_n\",\"last_n\":2}", ",\"context\":{\"strategy\":\"x\"}");
    return Combinators.combine(Arbitraries.of(0, 1, 2), role, hostileString(), extra).as((shape, r, content, more) -> {
      String message = "{\"role\":\"" + r + "\",\"content\":" + content + "}";
      String json = switch (shape) {
        case 0 -> "{\"messages\":[" + message + "]" + more + "}";
        case 1 -> "{\"title\":" + content + ",\"messages\":[" + message + "]" + more + "}";
        default -> "{\"message\":" + content + more + "}";
      };
      return StrictBytes.utf8(json);
    });
  }

  private Arbitrary<byte[]> rawBodies() {
    return Arbitraries.oneOf(
        Arbitraries.of(new byte[] {(byte) 0xC0, (byte) 0xAF}, new byte[] {(byte) 0xED, (byte) 0xA0, (byte) 0x80},
            new byte[] {(byte) 0xFF}, new byte[] {(byte) 0xE2, (byte) 0x82}, new byte[] {0})
            .map(bad -> StrictBytes.join("{\"messages\":[{\"role\":\"user\",\"content\":\"a", bad, "b\"}],\"title\":\"t\"}")),
        Arbitraries.of("", "{", "[", "nul", "{\"a\":}", "{\"messages\":[", "[".repeat(5000), "{\"a\":".repeat(2000),
            "\"just a string\"", "42", "[]", "{\"title\":\"x\"}garbage").map(StrictBytes::utf8));
  }

  private Arbitrary<String> hostileString() {
    return Arbitraries.oneOf(
        Arbitraries.of("\"hi\"", "\"hello there\"", "\"\"", "\"hi\"", "\"\\u0000\"", "\"\\ud800\"", "\"a\\udfff\"", "\"\\ud83d\\ude00\"", "\"🙂\"",
            "null", "42", "true", "[]", "{}", "\"" + "z".repeat(70_000) + "\"", "\"x\\\"\"", "1e999999"),
        Arbitraries.strings().ofMaxLength(30).map(s -> new JsonObject().put("s", s).encode().substring(5).replaceAll("}$", "")));
  }

  /** JSON text of nesting up to {@code depth}, with plausible and odd keys, duplicate keys, odd numbers. */
  private Arbitrary<String> json(int depth) {
    Arbitrary<String> scalar = Arbitraries.oneOf(hostileString(), Arbitraries.of("1e999999", "-1e400", "0", "-0", "0.5",
        "123456789012345678901234567890", "1e308", "true", "false", "null", "20", "-1"));
    if (depth == 0) {
      return scalar;
    }
    Arbitrary<String> key = Arbitraries.of("messages", "role", "content", "title", "metadata", "message", "conversation_id",
        "context", "strategy", "last_n", "max_prompt_tokens", "stream", "model", "system", "max_output_tokens", "archived",
        "sources", "tool_calls", "", "\\u0000", "\\ud800", "k".repeat(100));
    Arbitrary<String> member = Combinators.combine(key, Arbitraries.lazy(() -> json(depth - 1)))
        .as((k, v) -> "\"" + k + "\":" + v);
    Arbitrary<String> object = member.list().ofMaxSize(4).map(m -> "{" + String.join(",", m) + "}");
    Arbitrary<String> array = Arbitraries.lazy(() -> json(depth - 1)).list().ofMaxSize(4)
        .map(items -> "[" + String.join(",", items) + "]");
    return Arbitraries.frequencyOf(net.jqwik.api.Tuple.of(2, scalar), net.jqwik.api.Tuple.of(3, object),
        net.jqwik.api.Tuple.of(1, array));
  }

  private Arbitrary<String> authorizations() {
    return Arbitraries.frequencyOf(
        net.jqwik.api.Tuple.of(12, Arbitraries.just(server.bearer("prop-alice"))),
        net.jqwik.api.Tuple.of(2, Arbitraries.just(server.bearer("prop-bob"))),
        net.jqwik.api.Tuple.of(3, Arbitraries.of(forgedTokens())));
  }

  private List<String> forgedTokens() {
    long far = System.currentTimeMillis() / 1000 + 3600;
    List<String> out = new ArrayList<>(List.of("", "Bearer", "Bearer ", "Bearer x.y.z", "Basic YTpi", "Bearer a.b",
        "Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJwcm9wLWFsaWNlIn0.", "bearer " + server.token("prop-alice") + "x"));
    for (JsonObject claims : List.of(new JsonObject().put("sub", 42).put("exp", far),
        new JsonObject().put("sub", "prop-alice").put("exp", "later"),
        new JsonObject().put("sub", "prop-alice"),
        new JsonObject().put("sub", "prop-alice\ud800").put("exp", far),
        new JsonObject().put("sub", "p".repeat(400)).put("exp", far),
        new JsonObject().put("sub", "prop-alice").put("exp", 1_000))) {
      out.add("Bearer " + server.sign(claims, new JWTOptions().setNoTimestamp(true)));
    }
    return out;
  }

  private Arbitrary<String> keys() {
    return Arbitraries.frequencyOf(net.jqwik.api.Tuple.of(4, Arbitraries.just((String) null)),
        net.jqwik.api.Tuple.of(1, Arbitraries.of("k1", "k2", "k3", "x".repeat(300), "with space", "é")));
  }

  /** Bytes of JSON text, valid or deliberately not. */
  static final class StrictBytes {
    static byte[] utf8(String text) {
      return text.getBytes(StandardCharsets.UTF_8);
    }

    static byte[] join(String before, byte[] middle, String after) {
      byte[] a = utf8(before);
      byte[] c = utf8(after);
      byte[] out = new byte[a.length + middle.length + c.length];
      System.arraycopy(a, 0, out, 0, a.length);
      System.arraycopy(middle, 0, out, a.length, middle.length);
      System.arraycopy(c, 0, out, a.length + middle.length, c.length);
      return out;
    }
  }
}
