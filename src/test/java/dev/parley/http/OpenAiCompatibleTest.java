package dev.parley.http;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.JsonValue;
import com.openai.core.http.HttpResponseFor;
import com.openai.core.http.StreamResponse;
import com.openai.errors.OpenAIServiceException;
import com.openai.models.FunctionDefinition;
import com.openai.models.FunctionParameters;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionMessageFunctionToolCall;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import com.openai.models.chat.completions.ChatCompletionToolMessageParam;
import com.openai.models.models.Model;
import dev.parley.support.ChatFixtures;
import dev.parley.support.FakeProvider;
import dev.parley.support.Http;
import dev.parley.support.TestServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * /v1/chat/completions and /v1/models through the official OpenAI Java SDK, a client nobody here
 * wrote: JSON, streaming with usage, tool calls both ways, memory kept by Parley under
 * X-Parley-Conversation-Id, and errors in OpenAI's shape.
 */
class OpenAiCompatibleTest {

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

  private static OpenAIClient client(String user) {
    return OpenAIOkHttpClient.builder().baseUrl("http://127.0.0.1:" + server.port() + "/v1")
        .apiKey(server.token(user)).maxRetries(0).build();
  }

  private static FunctionDefinition weather() {
    return FunctionDefinition.builder().name("get_weather").description("The weather in a city")
        .parameters(FunctionParameters.builder().putAdditionalProperty("type", JsonValue.from("object"))
            .putAdditionalProperty("properties", JsonValue.from(Map.of("city", Map.of("type", "string"))))
            .build())
        .build();
  }

  @Test
  @DisplayName("Stateless: the SDK's request reaches the model as it is; the answer, usage and models are OpenAI's shapes")
  void statelessJson() {
    OpenAIClient openai = client("sdk-stateless");
    ChatCompletion completion = openai.chat().completions().create(ChatCompletionCreateParams.builder()
        .model("fake-gpt").addSystemMessage("Be brief.").addUserMessage("Hi there").maxCompletionTokens(50)
        .temperature(0.2).topP(0.9).stop("END").build());
    assertEquals("Hello from the fake model.", completion.choices().get(0).message().content().orElseThrow());
    assertEquals(ChatCompletion.Choice.FinishReason.STOP, completion.choices().get(0).finishReason());
    assertEquals(FakeProvider.PROMPT_TOKENS, completion.usage().orElseThrow().promptTokens());
    assertEquals("fake-gpt", completion.model());
    assertEquals(new JsonArray().add(new JsonObject().put("role", "system").put("content", "Be brief."))
        .add(new JsonObject().put("role", "user").put("content", "Hi there")), fake.lastCall().messages());
    assertEquals(50, fake.lastCall().body.getInteger("max_tokens"));
    assertEquals(0.2, fake.lastCall().body.getDouble("temperature"), "sampling goes to the model");
    assertEquals(0.9, fake.lastCall().body.getDouble("top_p"));
    assertEquals(new JsonArray().add("END"), fake.lastCall().body.getJsonArray("stop"));
    assertEquals(0L, server.sqlLong("SELECT count(*) FROM conversations WHERE owner = 'sdk-stateless'"), "nothing stored");

    List<String> models = new ArrayList<>();
    for (Model model : openai.models().list().data()) {
      models.add(model.id());
    }
    assertTrue(models.containsAll(List.of("fake-gpt", "claude-fake")), models.toString());
  }

  @Test
  @DisplayName("Streaming: OpenAI chunks the SDK reads, the usage chunk when asked, through an Anthropic model too")
  void streaming() {
    for (String model : List.of("fake-gpt", "claude-fake")) {
      fake.then(call -> call.reply(List.of("Hel", "lo ", "world"), 0, -1));
      StringBuilder text = new StringBuilder();
      List<ChatCompletionChunk> chunks = new ArrayList<>();
      try (StreamResponse<ChatCompletionChunk> stream = client("sdk-stream").chat().completions().createStreaming(
          ChatCompletionCreateParams.builder().model(model).addUserMessage("Say hello")
              .streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build()).build())) {
        stream.stream().forEach(chunk -> {
          chunks.add(chunk);
          chunk.choices().forEach(c -> c.delta().content().ifPresent(text::append));
        });
      }
      assertEquals("Hello world", text.toString());
      assertTrue(fake.lastCall().streaming());
      ChatCompletionChunk usage = chunks.get(chunks.size() - 1);
      assertTrue(usage.choices().isEmpty());
      assertEquals(FakeProvider.COMPLETION_TOKENS, usage.usage().orElseThrow().completionTokens());
      assertEquals("stop", chunks.get(chunks.size() - 2).choices().get(0).finishReason().orElseThrow().asString());
    }
  }

  @Test
  @DisplayName("Tool calls with the SDK: the model's calls (JSON and streamed), then the results handed back, stateless")
  void toolCalls() {
    OpenAIClient openai = client("sdk-tools");
    List<JsonObject> calls = List.of(
        new JsonObject().put("id", "call_sdk_1").put("name", "get_weather").put("arguments", "{\"city\":\"Paris\"}"),
        new JsonObject().put("id", "call_sdk_2").put("name", "get_weather").put("arguments", "{\"city\":\"Oslo\"}"));
    fake.then(call -> call.callTools("", calls));
    ChatCompletionCreateParams ask = ChatCompletionCreateParams.builder().model("fake-gpt")
        .addUserMessage("Weather in Paris and Oslo?").addFunctionTool(weather()).build();
    ChatCompletion first = openai.chat().completions().create(ask);
    List<ChatCompletionMessageFunctionToolCall> made = new ArrayList<>();
    first.choices().get(0).message().toolCalls().orElseThrow().forEach(c -> made.add(c.asFunction()));
    assertEquals(2, made.size());
    assertEquals("call_sdk_2", made.get(1).id());
    assertEquals("{\"city\":\"Oslo\"}", made.get(1).function().arguments());
    assertEquals(ChatCompletion.Choice.FinishReason.TOOL_CALLS, first.choices().get(0).finishReason());
    assertEquals("get_weather", fake.lastCall().body.getJsonArray("tools").getJsonObject(0)
        .getJsonObject("function").getString("name"));

    fake.then(call -> call.reply("Paris 18C, Oslo 3C."));
    ChatCompletionCreateParams.Builder answer = ask.toBuilder().addMessage(first.choices().get(0).message());
    for (ChatCompletionMessageFunctionToolCall call : made) {
      answer.addMessage(ChatCompletionToolMessageParam.builder().toolCallId(call.id())
          .content(call.id().endsWith("1") ? "18C" : "3C").build());
    }
    ChatCompletion second = openai.chat().completions().create(answer.build());
    assertEquals("Paris 18C, Oslo 3C.", second.choices().get(0).message().content().orElseThrow());
    JsonArray wire = fake.lastCall().messages();
    assertEquals(4, wire.size(), wire.encodePrettily());
    assertEquals("call_sdk_1", wire.getJsonObject(1).getJsonArray("tool_calls").getJsonObject(0).getString("id"));
    assertEquals(new JsonObject().put("role", "tool").put("tool_call_id", "call_sdk_2").put("content", "3C"), wire.getJsonObject(3));

    // Streamed: the SDK puts the calls together from tool_calls deltas.
    fake.then(call -> call.callTools("", calls));
    Map<Long, StringBuilder> arguments = new TreeMap<>();
    Map<Long, String> ids = new TreeMap<>();
    try (StreamResponse<ChatCompletionChunk> stream = openai.chat().completions().createStreaming(ask)) {
      stream.stream().forEach(chunk -> chunk.choices().forEach(c -> c.delta().toolCalls().ifPresent(list -> list.forEach(t -> {
        t.id().ifPresent(id -> ids.put(t.index(), id));
        t.function().flatMap(f -> f.arguments()).ifPresent(a -> arguments.computeIfAbsent(t.index(), i -> new StringBuilder()).append(a));
      }))));
    }
    assertEquals(Map.of(0L, "call_sdk_1", 1L, "call_sdk_2"), ids);
    assertEquals("{\"city\":\"Oslo\"}", arguments.get(1L).toString());
  }

  @Test
  @DisplayName("Memory: with X-Parley-Conversation-Id Parley stores the new messages and supplies the history itself")
  void memory() {
    OpenAIClient openai = client("sdk-memory");
    HttpResponseFor<ChatCompletion> first = openai.chat().completions().withRawResponse().create(
        ChatCompletionCreateParams.builder().model("fake-gpt").addSystemMessage("Be brief.").addUserMessage("My name is Ada.")
            .putAdditionalHeader("X-Parley-Conversation-Id", "new").build());
    String conversation = first.headers().values("X-Parley-Conversation-Id").get(0);
    assertEquals("Hello from the fake model.", first.parse().choices().get(0).message().content().orElseThrow());

    // Only the new message is sent: the history comes from Parley.
    fake.then(call -> call.reply("Your name is Ada."));
    HttpResponseFor<ChatCompletion> second = openai.chat().completions().withRawResponse().create(
        ChatCompletionCreateParams.builder().model("fake-gpt").addUserMessage("What is my name?")
            .putAdditionalHeader("X-Parley-Conversation-Id", conversation).build());
    assertEquals(conversation, second.headers().values("X-Parley-Conversation-Id").get(0));
    assertEquals("Your name is Ada.", second.parse().choices().get(0).message().content().orElseThrow());
    List<String> sent = new ArrayList<>();
    fake.lastCall().messages().forEach(m -> sent.add(((JsonObject) m).getString("content")));
    assertEquals(List.of("My name is Ada.", "Hello from the fake model.", "What is my name?"), sent);

    // A client that resends the whole history stores only what is after the last assistant message.
    fake.then(call -> call.reply("Yes."));
    openai.chat().completions().create(ChatCompletionCreateParams.builder().model("fake-gpt")
        .addUserMessage("My name is Ada.").addAssistantMessage("Hello from the fake model.")
        .addUserMessage("What is my name?").addAssistantMessage("Your name is Ada.").addUserMessage("Sure?")
        .putAdditionalHeader("X-Parley-Conversation-Id", conversation).build());
    JsonArray history = Http.as(server, "sdk-memory").get("/v1/conversations/" + conversation + "/messages")
        .bodyAsJsonObject().getJsonArray("data");
    assertEquals(6, history.size(), history.encodePrettily());
    assertEquals("Sure?", history.getJsonObject(4).getString("content"));

    // Streamed with memory: the conversation header comes with the stream.
    fake.then(call -> call.reply(List.of("Str", "eamed"), 0, -1));
    StringBuilder text = new StringBuilder();
    try (StreamResponse<ChatCompletionChunk> stream = openai.chat().completions().createStreaming(
        ChatCompletionCreateParams.builder().model("fake-gpt").addUserMessage("Stream it")
            .putAdditionalHeader("X-Parley-Conversation-Id", conversation).build())) {
      stream.stream().forEach(chunk -> chunk.choices().forEach(c -> c.delta().content().ifPresent(text::append)));
    }
    assertEquals("Streamed", text.toString());
    assertEquals(8, Http.as(server, "sdk-memory").get("/v1/conversations/" + conversation).bodyAsJsonObject()
        .getInteger("message_count"));

    // Another user's conversation is not found, in OpenAI's error shape.
    OpenAIServiceException stranger = assertThrows(OpenAIServiceException.class, () -> client("sdk-other").chat()
        .completions().create(ChatCompletionCreateParams.builder().model("fake-gpt").addUserMessage("hi")
            .putAdditionalHeader("X-Parley-Conversation-Id", conversation).build()));
    assertEquals(404, stranger.statusCode());
    assertEquals("not_found_error", stranger.type().orElseThrow());
  }

  @Test
  @DisplayName("Errors are OpenAI's shape: bad input names its parameter, a bad token is 401, a provider failure 502")
  void errors() {
    OpenAIServiceException unknownModel = assertThrows(OpenAIServiceException.class, () -> client("sdk-errors").chat()
        .completions().create(ChatCompletionCreateParams.builder().model("no-such-model").addUserMessage("hi").build()));
    assertEquals(400, unknownModel.statusCode());
    assertEquals("invalid_request_error", unknownModel.type().orElseThrow());
    assertEquals("model", unknownModel.param().orElseThrow());

    OpenAIServiceException unauthorized = assertThrows(OpenAIServiceException.class, () -> OpenAIOkHttpClient.builder()
        .baseUrl("http://127.0.0.1:" + server.port() + "/v1").apiKey("not-a-token").maxRetries(0).build()
        .chat().completions().create(ChatCompletionCreateParams.builder().model("fake-gpt").addUserMessage("hi").build()));
    assertEquals(401, unauthorized.statusCode());
    assertEquals("authentication_error", unauthorized.type().orElseThrow());

    fake.fallback(call -> call.status(500, null, new JsonObject().put("error", "boom")));
    OpenAIServiceException upstream = assertThrows(OpenAIServiceException.class, () -> client("sdk-errors").chat()
        .completions().create(ChatCompletionCreateParams.builder().model("fake-gpt").addUserMessage("hi").build()));
    assertEquals(502, upstream.statusCode());
    assertEquals("api_error", upstream.type().orElseThrow());

    // The raw shape, for clients that read it themselves.
    JsonObject body = Http.as(server, "sdk-errors").post("/v1/chat/completions", new JsonObject().put("model", "fake-gpt")
        .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", "hi")))
        .put("response_format", new JsonObject().put("type", "json_object"))).bodyAsJsonObject();
    assertEquals("response_format", body.getJsonObject("error").getString("param"), body.encode());
    assertEquals("validation-error", body.getJsonObject("error").getString("code"));
  }
}
