package dev.parley.chat;

import dev.parley.support.ChatFixtures;
import dev.parley.support.FakeProvider;
import dev.parley.support.Http;
import dev.parley.support.Sse;
import dev.parley.support.TestServer;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Tool calling end to end over real HTTP: tools go to each provider in its own wire format, the
 * model's (parallel) calls come back, JSON and streamed, are stored, and their results go back in
 * the next turn, checked against the calls still pending; the context never sends a call without
 * its result or a result without its call.
 */
class ToolCallingTest {

  private static final JsonArray TOOLS = new JsonArray().add(new JsonObject().put("type", "function")
      .put("function", new JsonObject().put("name", "get_weather").put("description", "The weather in a city")
          .put("parameters", new JsonObject().put("type", "object")
              .put("properties", new JsonObject().put("city", new JsonObject().put("type", "string")))
              .put("required", new JsonArray().add("city")))));

  private static FakeProvider fake;
  private static TestServer server;

  @BeforeAll
  static void start() {
    fake = new FakeProvider();
    server = TestServer.start(ChatFixtures.env(fake, Map.of()));
  }

  @AfterAll
  static void stop() {
    server.close();
    fake.close();
  }

  @BeforeEach
  void resetFake() {
    fake.reset();
  }

  private static List<JsonObject> twoCalls(String prefix) {
    return List.of(
        new JsonObject().put("id", prefix + "_paris").put("name", "get_weather").put("arguments", "{\"city\":\"Paris\"}"),
        new JsonObject().put("id", prefix + "_rome").put("name", "get_weather").put("arguments", "{\"city\":\"Rome\"}"));
  }

  @Test
  @DisplayName("Parallel tool calls and their results, OpenAI and Anthropic: each provider's format on the wire, stored in order")
  void parallelCallsRoundTrip() {
    for (String model : List.of("fake-gpt", "claude-fake")) {
      fake.reset();
      String prefix = "call_" + model.replace('-', '_');
      fake.then(call -> call.callTools(model.startsWith("claude") ? "Let me look." : "", twoCalls(prefix)));
      Http alice = Http.as(server, "alice-tools-" + model);
      HttpResponse<Buffer> first = alice.post("/v1/chat", new JsonObject().put("model", model)
          .put("message", "Weather in Paris and Rome?").put("tools", TOOLS).put("tool_choice", "auto")
          .put("temperature", 1.5).put("stop", new JsonArray().add("###")));
      assertEquals(200, first.statusCode(), first.bodyAsString());
      JsonObject turn = first.bodyAsJsonObject();
      String conversation = turn.getString("conversation_id");
      JsonArray calls = turn.getJsonArray("tool_calls");
      assertEquals(2, calls.size());
      assertEquals(prefix + "_paris", calls.getJsonObject(0).getString("id"));
      assertEquals(new JsonObject().put("city", "Rome"),
          new JsonObject(calls.getJsonObject(1).getJsonObject("function").getString("arguments")));
      assertEquals(calls, turn.getJsonObject("message").getJsonArray("tool_calls"), "the calls are stored on the answer");

      FakeProvider.Call sent = fake.lastCall();
      if (model.startsWith("claude")) {
        JsonObject tool = sent.body.getJsonArray("tools").getJsonObject(0);
        assertEquals("get_weather", tool.getString("name"));
        assertEquals(TOOLS.getJsonObject(0).getJsonObject("function").getJsonObject("parameters"), tool.getJsonObject("input_schema"));
        assertEquals(new JsonObject().put("type", "auto"), sent.body.getJsonObject("tool_choice"));
        assertEquals(1.0, sent.body.getDouble("temperature"), "Anthropic's temperatures end at 1");
        assertEquals(new JsonArray().add("###"), sent.body.getJsonArray("stop_sequences"));
      } else {
        assertEquals(TOOLS, sent.body.getJsonArray("tools"));
        assertEquals("auto", sent.body.getString("tool_choice"));
        assertEquals(1.5, sent.body.getDouble("temperature"));
        assertEquals(new JsonArray().add("###"), sent.body.getJsonArray("stop"));
      }

      fake.then(call -> call.reply("Paris 18C, Rome 21C."));
      HttpResponse<Buffer> second = alice.post("/v1/chat", new JsonObject().put("model", model)
          .put("conversation_id", conversation).put("tools", TOOLS)
          .put("tool_results", new JsonArray()
              .add(new JsonObject().put("tool_call_id", prefix + "_paris").put("content", "18C, sunny"))
              .add(new JsonObject().put("tool_call_id", prefix + "_rome").put("content", "21C, clear"))));
      assertEquals(200, second.statusCode(), second.bodyAsString());
      assertEquals("Paris 18C, Rome 21C.", second.bodyAsJsonObject().getJsonObject("message").getString("content"));
      JsonObject lastInput = second.bodyAsJsonObject().getJsonObject("user_message");
      assertEquals("tool", lastInput.getString("role"));
      assertEquals(prefix + "_rome", lastInput.getString("tool_call_id"));

      JsonArray wire = fake.lastCall().messages();
      if (model.startsWith("claude")) {
        assertEquals(3, wire.size(), wire.encodePrettily());
        JsonArray assistant = wire.getJsonObject(1).getJsonArray("content");
        assertEquals("text", assistant.getJsonObject(0).getString("type"));
        assertEquals("tool_use", assistant.getJsonObject(1).getString("type"));
        assertEquals(prefix + "_paris", assistant.getJsonObject(1).getString("id"));
        assertEquals(new JsonObject().put("city", "Paris"), assistant.getJsonObject(1).getJsonObject("input"));
        JsonObject results = wire.getJsonObject(2);
        assertEquals("user", results.getString("role"));
        assertEquals(new JsonArray()
            .add(new JsonObject().put("type", "tool_result").put("tool_use_id", prefix + "_paris").put("content", "18C, sunny"))
            .add(new JsonObject().put("type", "tool_result").put("tool_use_id", prefix + "_rome").put("content", "21C, clear")),
            results.getJsonArray("content"));
      } else {
        assertEquals(4, wire.size(), wire.encodePrettily());
        JsonObject assistant = wire.getJsonObject(1);
        assertEquals("assistant", assistant.getString("role"));
        assertNull(assistant.getValue("content"));
        assertEquals(calls, assistant.getJsonArray("tool_calls"));
        assertEquals(new JsonObject().put("role", "tool").put("tool_call_id", prefix + "_paris").put("content", "18C, sunny"),
            wire.getJsonObject(2));
        assertEquals(prefix + "_rome", wire.getJsonObject(3).getString("tool_call_id"));
      }

      JsonArray history = alice.get("/v1/conversations/" + conversation + "/messages").bodyAsJsonObject().getJsonArray("data");
      List<String> roles = new ArrayList<>();
      history.forEach(m -> roles.add(((JsonObject) m).getString("role")));
      assertEquals(List.of("user", "assistant", "tool", "tool", "assistant"), roles);
      assertEquals(prefix + "_paris", history.getJsonObject(2).getString("tool_call_id"));
      assertEquals(calls, history.getJsonObject(1).getJsonArray("tool_calls"));
    }
  }

  @Test
  @DisplayName("Streamed tool calls arrive as tool_call events (id and name first, arguments in pieces), then the whole turn")
  void streamedToolCalls() {
    for (String model : List.of("fake-gpt", "claude-fake")) {
      String prefix = "call_s_" + model.replace('-', '_');
      fake.then(call -> call.callTools("Checking.", twoCalls(prefix)));
      HttpResponse<Buffer> response = Http.as(server, "alice-tools-stream").post("/v1/chat", new JsonObject()
          .put("model", model).put("message", "Weather?").put("tools", TOOLS).put("stream", true));
      assertEquals(200, response.statusCode(), response.bodyAsString());
      List<Sse.Event> events = Sse.parse(response.bodyAsString());
      assertEquals("Checking.", Sse.deltas(events));
      Map<Integer, StringBuilder> arguments = new TreeMap<>();
      Map<Integer, String> ids = new TreeMap<>();
      int pieces = 0;
      for (Sse.Event e : events) {
        if ("tool_call".equals(e.name())) {
          pieces++;
          int index = e.data().getInteger("index");
          if (e.data().getString("id") != null) {
            ids.put(index, e.data().getString("id"));
            assertEquals("get_weather", e.data().getString("name"));
          }
          arguments.computeIfAbsent(index, i -> new StringBuilder()).append(e.data().getString("arguments"));
        }
      }
      assertTrue(pieces >= 4, "the calls were streamed in pieces: " + pieces);
      assertEquals(Map.of(0, prefix + "_paris", 1, prefix + "_rome"), ids);
      assertEquals("{\"city\":\"Paris\"}", arguments.get(0).toString());
      assertEquals("{\"city\":\"Rome\"}", arguments.get(1).toString());
      JsonObject last = events.get(events.size() - 1).data();
      assertEquals("message", events.get(events.size() - 1).name());
      assertEquals(prefix + "_rome", last.getJsonArray("tool_calls").getJsonObject(1).getString("id"));
      assertEquals("{\"city\":\"Rome\"}", last.getJsonObject("message").getJsonArray("tool_calls").getJsonObject(1)
          .getJsonObject("function").getString("arguments"));
    }
  }

  @Test
  @DisplayName("A tool result must answer a pending call, once: anything else is refused and changes nothing")
  void resultsAreChecked() {
    Http alice = Http.as(server, "alice-tools-check");
    fake.then(call -> call.callTools("", twoCalls("call_chk")));
    String conversation = alice.post("/v1/chat", new JsonObject().put("message", "Weather?").put("tools", TOOLS))
        .bodyAsJsonObject().getString("conversation_id");
    int calls = fake.calls().size();

    JsonObject unknown = new JsonObject().put("conversation_id", conversation).put("tool_results", new JsonArray()
        .add(new JsonObject().put("tool_call_id", "call_nobody_made").put("content", "x")));
    HttpResponse<Buffer> refused = alice.post("/v1/chat", unknown);
    assertEquals(422, refused.statusCode(), refused.bodyAsString());
    assertTrue(refused.bodyAsJsonObject().getString("detail").contains("call_chk_paris"), "the detail names what is pending");
    HttpResponse<Buffer> streamed = alice.post("/v1/chat", unknown.copy().put("stream", true));
    assertEquals(422, streamed.statusCode(), "a streamed turn is refused before its first event too");
    assertEquals(calls, fake.calls().size(), "the model was not called");
    assertEquals(2, alice.get("/v1/conversations/" + conversation).bodyAsJsonObject().getInteger("message_count"));

    // Answering one call now and the other later works; answering one twice does not.
    fake.then(call -> call.reply("Paris is sunny."));
    assertEquals(200, alice.post("/v1/chat", new JsonObject().put("conversation_id", conversation)
        .put("tool_results", new JsonArray().add(new JsonObject().put("tool_call_id", "call_chk_paris").put("content", "18C"))))
        .statusCode());
    HttpResponse<Buffer> twice = alice.post("/v1/chat", new JsonObject().put("conversation_id", conversation)
        .put("tool_results", new JsonArray().add(new JsonObject().put("tool_call_id", "call_chk_paris").put("content", "18C"))));
    assertEquals(422, twice.statusCode(), twice.bodyAsString());

    // Bad shapes are 400s naming the member.
    HttpResponse<Buffer> hot = alice.post("/v1/chat", new JsonObject().put("message", "hi").put("temperature", 3));
    assertEquals(400, hot.statusCode());
    assertTrue(hot.bodyAsString().contains("/temperature"), hot.bodyAsString());
    assertEquals(400, alice.post("/v1/chat", new JsonObject().put("tool_results", new JsonArray()
        .add(new JsonObject().put("tool_call_id", "x").put("content", "y")))).statusCode(), "tool results need a conversation");
    assertEquals(400, alice.post("/v1/chat", new JsonObject().put("message", "hi").put("tools", TOOLS)
        .put("tool_choice", new JsonObject().put("type", "function").put("function", new JsonObject().put("name", "nope"))))
        .statusCode());
    assertEquals(400, alice.post("/v1/chat", new JsonObject().put("message", "hi").put("tools", new JsonArray()
        .add(new JsonObject().put("type", "function").put("function", new JsonObject().put("name", "bad name"))))).statusCode());
    assertEquals(400, alice.post("/v1/conversations/" + conversation + "/messages", new JsonObject().put("messages",
        new JsonArray().add(new JsonObject().put("role", "user").put("content", "x").put("tool_call_id", "call_chk_rome"))))
        .statusCode(), "only a tool message names a call");
  }

  @Test
  @DisplayName("The context keeps a call with its result: a window that cuts between them, or a call never answered, sends neither")
  void contextPairsCallsAndResults() {
    Http alice = Http.as(server, "alice-tools-window");
    fake.then(call -> call.callTools("", List.of(twoCalls("call_win").get(0))));
    String conversation = alice.post("/v1/chat", new JsonObject().put("message", "Weather in Paris?").put("tools", TOOLS))
        .bodyAsJsonObject().getString("conversation_id");
    fake.then(call -> call.reply("It is 18C in Paris."));
    alice.post("/v1/chat", new JsonObject().put("conversation_id", conversation).put("tool_results", new JsonArray()
        .add(new JsonObject().put("tool_call_id", "call_win_paris").put("content", "18C"))));
    // Stored: user, assistant(call), tool, assistant. A window of 3 (with the new message) starts at the tool result.
    alice.post("/v1/chat", new JsonObject().put("conversation_id", conversation).put("message", "Thanks!")
        .put("context", new JsonObject().put("strategy", "last_n").put("last_n", 3)));
    JsonArray sent = fake.lastCall().messages();
    for (Object m : sent) {
      assertFalse("tool".equals(((JsonObject) m).getString("role")), "no result without its call: " + sent.encode());
    }
    assertEquals(List.of("assistant", "user"), roles(sent));

    // A window of 7 holds the call and its result: both go.
    alice.post("/v1/chat", new JsonObject().put("conversation_id", conversation).put("message", "Once more")
        .put("context", new JsonObject().put("strategy", "last_n").put("last_n", 7)));
    assertEquals(List.of("user", "assistant", "tool", "assistant", "user", "assistant", "user"), roles(fake.lastCall().messages()));

    // The dry run reports the same pairing.
    JsonObject dry = alice.post("/v1/conversations/" + conversation + "/context", new JsonObject().put("message", "x")
        .put("context", new JsonObject().put("strategy", "last_n").put("last_n", 7))).bodyAsJsonObject();
    JsonArray included = dry.getJsonArray("messages");
    assertEquals("assistant", included.getJsonObject(0).getString("role"), dry.encodePrettily());
    assertEquals(5, included.size(), "the result whose call is outside the window is left out: " + dry.encodePrettily());

    // A call the user never answered (they wrote instead) is not sent as a call.
    fake.then(call -> call.callTools("", List.of(twoCalls("call_unanswered").get(1))));
    alice.post("/v1/chat", new JsonObject().put("conversation_id", conversation).put("message", "And Rome?").put("tools", TOOLS));
    fake.then(call -> call.reply("Never mind."));
    alice.post("/v1/chat", new JsonObject().put("conversation_id", conversation).put("message", "Never mind"));
    for (Object m : fake.lastCall().messages()) {
      JsonObject message = (JsonObject) m;
      assertFalse(message.containsKey("tool_calls") && message.getJsonArray("tool_calls").encode().contains("call_unanswered"),
          fake.lastCall().messages().encode());
    }
  }

  private static List<String> roles(JsonArray messages) {
    List<String> roles = new ArrayList<>();
    messages.forEach(m -> roles.add(((JsonObject) m).getString("role")));
    return roles;
  }

  @Test
  @DisplayName("With no provider configured, the placeholder calls a tool when told to, and answers with the tool's result")
  void placeholderCallsTools() {
    try (TestServer bare = TestServer.start(Map.of())) {
      Http bob = Http.as(bare, "bob-" + UUID.randomUUID());
      JsonObject turn = bob.post("/v1/chat", new JsonObject().put("message", "Lyon").put("tools", TOOLS)
          .put("tool_choice", "required")).bodyAsJsonObject();
      JsonObject call = turn.getJsonArray("tool_calls").getJsonObject(0);
      assertEquals("get_weather", call.getJsonObject("function").getString("name"));
      assertEquals(new JsonObject().put("city", "Lyon"), new JsonObject(call.getJsonObject("function").getString("arguments")));
      JsonObject answer = bob.post("/v1/chat", new JsonObject().put("conversation_id", turn.getString("conversation_id"))
          .put("tool_results", new JsonArray().add(new JsonObject().put("tool_call_id", call.getString("id"))
              .put("content", "12C and windy")))).bodyAsJsonObject();
      assertTrue(answer.getJsonObject("message").getString("content").endsWith("The tool answered: 12C and windy"),
          answer.encodePrettily());
      assertNull(answer.getValue("tool_calls"));

      // auto: a message that names the tool calls it, streamed as tool_call events; one that does not gets text.
      List<Sse.Event> events = Sse.parse(bob.post("/v1/chat", new JsonObject().put("message", "use get_weather please")
          .put("tools", TOOLS).put("stream", true)).bodyAsString());
      assertTrue(events.stream().anyMatch(e -> "tool_call".equals(e.name()) && "get_weather".equals(e.data().getString("name"))));
      JsonObject plain = bob.post("/v1/chat", new JsonObject().put("message", "hello").put("tools", TOOLS)).bodyAsJsonObject();
      assertNull(plain.getValue("tool_calls"));
    }
  }
}
