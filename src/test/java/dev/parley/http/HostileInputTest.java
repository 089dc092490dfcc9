package dev.parley.http;

import dev.parley.support.LogCapture;
import dev.parley.support.RawHttp;
import dev.parley.support.TestServer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The hostile inputs that once answered 500 or were accepted loosely: each is a clear 4xx problem now. */
class HostileInputTest {

  private static TestServer server;
  private static String conversation;

  @BeforeAll
  static void start() throws Exception {
    server = TestServer.start();
    conversation = new JsonObject(send("POST", "/v1/conversations", auth("alice-hostile"), "{}".getBytes()).text())
        .getString("id");
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  private static Map<String, String> auth(String user) {
    return new HashMap<>(Map.of("Authorization", server.bearer(user), "Content-Type", "application/json"));
  }

  private static RawHttp.Response send(String method, String target, Map<String, String> headers, byte[] body)
      throws Exception {
    return RawHttp.send(server.port(), method, target, headers, body, 5_000);
  }

  private static JsonObject assertProblem(RawHttp.Response response, int status) {
    assertEquals(status, response.status(), response.text());
    assertEquals("application/problem+json", response.header("Content-Type"));
    JsonObject problem = new JsonObject(response.text());
    assertEquals(status, problem.getInteger("status"));
    return problem;
  }

  private static byte[] bytes(int... values) {
    byte[] out = new byte[values.length];
    for (int i = 0; i < values.length; i++) {
      out[i] = (byte) values[i];
    }
    return out;
  }

  private static byte[] concat(String before, byte[] middle, String after) {
    byte[] a = before.getBytes(StandardCharsets.UTF_8);
    byte[] c = after.getBytes(StandardCharsets.UTF_8);
    byte[] out = new byte[a.length + middle.length + c.length];
    System.arraycopy(a, 0, out, 0, a.length);
    System.arraycopy(middle, 0, out, a.length, middle.length);
    System.arraycopy(c, 0, out, a.length + middle.length, c.length);
    return out;
  }

  private long messageCount() {
    return server.sqlLong("SELECT count(*) FROM messages");
  }

  @Test
  @DisplayName("A form or multipart body is 415 on every route, even one that takes no body")
  void formBodies() throws Exception {
    for (String type : new String[] {"application/x-www-form-urlencoded", "multipart/form-data; boundary=xyz",
        "multipart/form-data"}) {
      Map<String, String> headers = auth("alice-hostile");
      headers.put("Content-Type", type);
      byte[] body = "--xyz\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nb\r\n--xyz--\r\n".getBytes();
      assertProblem(send("GET", "/health/live", headers, body), 415);
      assertProblem(send("POST", "/v1/conversations/" + conversation + "/messages", headers, body), 415);
    }
  }

  @Test
  @DisplayName("A malformed percent-escape in the path is 400 and still gets its access-log line")
  void badEscapes() throws Exception {
    try (LogCapture logs = new LogCapture()) {
      assertProblem(send("GET", "/v1/conversations/%ZZ", auth("alice-hostile"), null), 400);
      assertProblem(send("GET", "/v1/conversations/%", auth("alice-hostile"), null), 400);
      assertProblem(send("GET", "/v1/conversations?after=%E0%A4", auth("alice-hostile"), null), 400);
      dev.parley.support.Eventually.eventually(2_000, "an access-log line for the bad path", () ->
          logs.lines().stream().anyMatch(l -> l.contains("\"status\":400") && l.contains("\"logger_name\":\"access\"")));
    }
  }

  @Test
  @DisplayName("A request line or headers too long for the decoder are problem+json too")
  void tooLong() throws Exception {
    assertProblem(send("GET", "/v1/conversations/" + "x".repeat(9000), auth("alice-hostile"), null), 414);
    Map<String, String> headers = auth("alice-hostile");
    headers.put("X-Big", "y".repeat(20_000));
    assertProblem(send("GET", "/v1/conversations", headers, null), 431);
  }

  @Test
  @DisplayName("Validly signed tokens with a non-string sub, a string exp, or no exp are 401")
  void badClaims() throws Exception {
    Map<String, JsonObject> claims = Map.of(
        "numeric sub", new JsonObject().put("sub", 42).put("exp", 4_000_000_000L),
        "object sub", new JsonObject().put("sub", new JsonObject().put("a", 1)).put("exp", 4_000_000_000L),
        "string exp", new JsonObject().put("sub", "mallory").put("exp", "tomorrow"),
        "no exp", new JsonObject().put("sub", "mallory"),
        "lone surrogate in sub", new JsonObject().put("sub", "u\ud800").put("exp", 4_000_000_000L),
        "overlong sub", new JsonObject().put("sub", "u".repeat(300)).put("exp", 4_000_000_000L));
    for (Map.Entry<String, JsonObject> e : claims.entrySet()) {
      String token = server.sign(e.getValue(), new JWTOptions().setNoTimestamp(true));
      Map<String, String> headers = Map.of("Authorization", "Bearer " + token);
      RawHttp.Response response = send("GET", "/v1/conversations", headers, null);
      assertEquals(401, response.status(), e.getKey() + ": " + response.text());
      assertProblem(response, 401);
    }
  }

  @Test
  @DisplayName("Invalid UTF-8 of any kind, non-finite numbers and duplicate keys are 400 and store nothing")
  void strictJson() throws Exception {
    long before = messageCount();
    String path = "/v1/conversations/" + conversation + "/messages";
    byte[][] bodies = {
        concat("{\"messages\":[{\"role\":\"user\",\"content\":\"a", bytes(0xC0, 0xAF), "b\"}]}"),
        concat("{\"messages\":[{\"role\":\"user\",\"content\":\"a", bytes(0xED, 0xA0, 0x80), "b\"}]}"),
        concat("{\"messages\":[{\"role\":\"user\",\"content\":\"a", bytes(0xFF), "b\"}]}"),
        concat("{\"messages\":[{\"role\":\"user\",\"content\":\"a", bytes(0xE2, 0x82), "\"}]}"),
        "{\"messages\":[{\"role\":\"user\",\"content\":\"x\",\"metadata\":{\"n\":1e999999}}]}".getBytes(),
        "{\"messages\":[{\"role\":\"user\",\"content\":\"x\",\"metadata\":{\"n\":-1e400}}]}".getBytes(),
        "{\"messages\":[{\"role\":\"user\",\"content\":\"x\",\"role\":\"assistant\"}]}".getBytes(),
        "{\"messages\":[],\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}".getBytes()};
    for (byte[] body : bodies) {
      assertProblem(send("POST", path, auth("alice-hostile"), body), 400);
    }
    assertEquals(before, messageCount(), "nothing stored");
    assertTrue(before >= 0);
  }
}
