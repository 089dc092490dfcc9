package dev.parley.llm.provider;

import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * OpenAI-compatible Chat Completions (OpenAI, OpenRouter, Ollama, vLLM, llama.cpp): JSON answers,
 * and streams of {@code data:} chunks ending in {@code [DONE]}, with a final usage chunk.
 */
public final class OpenAiProvider extends HttpProvider {

  private final String baseUrl;
  private final String apiKey;

  public OpenAiProvider(Vertx vertx, HttpClient client, JsonObject settings, long firstTokenMs, long totalMs) {
    super(vertx, client, firstTokenMs, totalMs);
    this.baseUrl = settings.getString("base_url").replaceAll("/+$", "");
    this.apiKey = settings.getString("api_key", "");
  }

  @Override
  protected String url(ProviderRequest request) {
    return baseUrl + "/chat/completions";
  }

  @Override
  protected void headers(MultiMap headers) {
    if (!apiKey.isEmpty()) {
      headers.add("Authorization", "Bearer " + apiKey);
    }
  }

  @Override
  protected JsonObject body(ProviderRequest request) {
    JsonArray messages = new JsonArray();
    if (request.system() != null && !request.system().isEmpty()) {
      messages.add(new JsonObject().put("role", "system").put("content", request.system()));
    }
    for (Object m : request.messages()) {
      JsonObject message = (JsonObject) m;
      String role = message.getString("role");
      // Tool results without a tool_call_id are not valid "tool" messages; send them as user text.
      messages.add(new JsonObject().put("role", "tool".equals(role) ? "user" : role).put("content", message.getString("content")));
    }
    JsonObject body = new JsonObject()
        .put("model", request.model().upstream())
        .put("messages", messages)
        .put("max_tokens", request.maxOutputTokens())
        .put("stream", request.stream());
    if (request.stream()) {
      body.put("stream_options", new JsonObject().put("include_usage", true));
    }
    return body;
  }

  @Override
  protected ProviderResult parse(JsonObject response) {
    JsonObject choice = response.getJsonArray("choices").getJsonObject(0);
    JsonObject message = choice.getJsonObject("message");
    JsonObject usage = response.getJsonObject("usage", new JsonObject());
    String content = message.getString("content");
    return new ProviderResult(content == null ? "" : content, message.getJsonArray("tool_calls"),
        usage.getInteger("prompt_tokens", 0), usage.getInteger("completion_tokens", 0),
        choice.getString("finish_reason"));
  }

  @Override
  protected void onStreamEvent(String event, String data, StreamState stream) {
    if ("[DONE]".equals(data.trim())) {
      stream.done = true;
      return;
    }
    JsonObject chunk = new JsonObject(data);
    if (chunk.containsKey("error")) {
      throw ProviderException.fromStatus(500, -1, chunk.encode());
    }
    JsonObject usage = chunk.getJsonObject("usage");
    if (usage != null) {
      stream.promptTokens = usage.getInteger("prompt_tokens", 0);
      stream.completionTokens = usage.getInteger("completion_tokens", 0);
    }
    JsonArray choices = chunk.getJsonArray("choices");
    if (choices == null || choices.isEmpty()) {
      return;
    }
    JsonObject choice = choices.getJsonObject(0);
    JsonObject delta = choice.getJsonObject("delta", new JsonObject());
    stream.delta(delta.getString("content"));
    JsonArray toolCalls = delta.getJsonArray("tool_calls");
    if (toolCalls != null) {
      mergeToolCalls(stream, toolCalls);
    }
    if (choice.getString("finish_reason") != null) {
      stream.finishReason = choice.getString("finish_reason");
    }
  }

  /** Streamed tool calls arrive in pieces by index; arguments are concatenated. */
  private static void mergeToolCalls(StreamState stream, JsonArray pieces) {
    if (stream.toolCalls == null) {
      stream.toolCalls = new JsonArray();
    }
    for (Object p : pieces) {
      JsonObject piece = (JsonObject) p;
      int index = piece.getInteger("index", 0);
      while (stream.toolCalls.size() <= index) {
        stream.toolCalls.add(new JsonObject().put("type", "function")
            .put("function", new JsonObject().put("name", "").put("arguments", "")));
      }
      JsonObject call = stream.toolCalls.getJsonObject(index);
      if (piece.getString("id") != null) {
        call.put("id", piece.getString("id"));
      }
      JsonObject fn = piece.getJsonObject("function");
      if (fn != null) {
        JsonObject target = call.getJsonObject("function");
        if (fn.getString("name") != null) {
          target.put("name", target.getString("name") + fn.getString("name"));
        }
        if (fn.getString("arguments") != null) {
          target.put("arguments", target.getString("arguments") + fn.getString("arguments"));
        }
      }
    }
  }
}
