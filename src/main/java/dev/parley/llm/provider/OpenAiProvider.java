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
      String toolCallId = message.getString("tool_call_id");
      JsonArray toolCalls = message.getJsonArray("tool_calls");
      if ("tool".equals(role) && toolCallId == null) {
        // A tool result that names no call (stored by an app) is not a valid "tool" message: user text.
        messages.add(new JsonObject().put("role", "user").put("content", message.getString("content")));
      } else if ("tool".equals(role)) {
        messages.add(new JsonObject().put("role", "tool").put("tool_call_id", toolCallId)
            .put("content", message.getString("content")));
      } else if (toolCalls != null) {
        String content = message.getString("content");
        messages.add(new JsonObject().put("role", role).put("content", content == null || content.isBlank() ? null : content)
            .put("tool_calls", toolCalls));
      } else {
        messages.add(new JsonObject().put("role", role).put("content", message.getString("content")));
      }
    }
    JsonObject body = new JsonObject()
        .put("model", request.model().upstream())
        .put("messages", messages)
        .put("max_tokens", request.maxOutputTokens())
        .put("stream", request.stream());
    if (request.tools() != null) {
      body.put("tools", request.tools());
      if (request.toolChoice() != null) {
        body.put("tool_choice", request.toolChoice());
      }
    }
    if (request.stream()) {
      body.put("stream_options", new JsonObject().put("include_usage", true));
    }
    body.mergeIn(request.sampling());
    return body;
  }

  @Override
  protected ProviderResult parse(JsonObject response) {
    JsonObject choice = response.getJsonArray("choices").getJsonObject(0);
    JsonObject message = choice.getJsonObject("message");
    JsonObject usage = response.getJsonObject("usage", new JsonObject());
    String content = message.getString("content");
    return new ProviderResult(content == null ? "" : content, toolCalls(message.getJsonArray("tool_calls")),
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
      for (Object p : toolCalls) {
        JsonObject piece = (JsonObject) p;
        JsonObject fn = piece.getJsonObject("function", new JsonObject());
        stream.toolCall(piece.getInteger("index", 0), piece.getString("id"), fn.getString("name"),
            fn.getString("arguments"));
      }
    }
    if (choice.getString("finish_reason") != null) {
      stream.finishReason = choice.getString("finish_reason");
    }
  }

  /** The answer's tool calls as Parley keeps them: every call with an id and its arguments as a JSON text. */
  private static JsonArray toolCalls(JsonArray calls) {
    if (calls == null || calls.isEmpty()) {
      return null;
    }
    JsonArray out = new JsonArray();
    for (Object c : calls) {
      JsonObject call = (JsonObject) c;
      JsonObject fn = call.getJsonObject("function", new JsonObject());
      Object arguments = fn.getValue("arguments");
      out.add(ToolCallPieces.call(call.getString("id"), fn.getString("name"),
          arguments instanceof JsonObject o ? o.encode() : (String) arguments));
    }
    return out;
  }
}
