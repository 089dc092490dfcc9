package dev.parley.llm.provider;

import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * Anthropic Messages: JSON answers, and streams of message_start, content_block_delta,
 * message_delta (cumulative usage), message_stop, ping and in-stream error events.
 */
public final class AnthropicProvider extends HttpProvider {

  private final String baseUrl;
  private final String apiKey;
  private final String version;

  public AnthropicProvider(Vertx vertx, HttpClient client, JsonObject settings, long firstTokenMs, long totalMs) {
    super(vertx, client, firstTokenMs, totalMs);
    this.baseUrl = settings.getString("base_url").replaceAll("/+$", "");
    this.apiKey = settings.getString("api_key", "");
    this.version = settings.getString("version", "2023-06-01");
  }

  @Override
  protected String url(ProviderRequest request) {
    return baseUrl + "/v1/messages";
  }

  @Override
  protected void headers(MultiMap headers) {
    headers.add("x-api-key", apiKey).add("anthropic-version", version);
  }

  @Override
  protected JsonObject body(ProviderRequest request) {
    StringBuilder system = new StringBuilder(request.system() == null ? "" : request.system());
    JsonArray messages = new JsonArray();
    for (Object m : request.messages()) {
      JsonObject message = (JsonObject) m;
      String role = message.getString("role");
      String content = message.getString("content");
      if ("system".equals(role)) {
        // Anthropic takes system text only at the top.
        system.append(system.length() > 0 ? "\n\n" : "").append(content);
      } else {
        messages.add(new JsonObject().put("role", "assistant".equals(role) ? "assistant" : "user").put("content", content));
      }
    }
    JsonObject body = new JsonObject()
        .put("model", request.model().upstream())
        .put("max_tokens", request.maxOutputTokens())
        .put("messages", messages)
        .put("stream", request.stream());
    if (system.length() > 0) {
      body.put("system", system.toString());
    }
    return body;
  }

  @Override
  protected ProviderResult parse(JsonObject response) {
    StringBuilder text = new StringBuilder();
    JsonArray toolCalls = null;
    for (Object b : response.getJsonArray("content", new JsonArray())) {
      JsonObject block = (JsonObject) b;
      if ("text".equals(block.getString("type"))) {
        text.append(block.getString("text", ""));
      } else if ("tool_use".equals(block.getString("type"))) {
        toolCalls = toolCalls == null ? new JsonArray() : toolCalls;
        toolCalls.add(new JsonObject().put("id", block.getString("id")).put("type", "function")
            .put("function", new JsonObject().put("name", block.getString("name"))
                .put("arguments", block.getJsonObject("input", new JsonObject()).encode())));
      }
    }
    JsonObject usage = response.getJsonObject("usage", new JsonObject());
    return new ProviderResult(text.toString(), toolCalls, usage.getInteger("input_tokens", 0),
        usage.getInteger("output_tokens", 0), response.getString("stop_reason"));
  }

  @Override
  protected void onStreamEvent(String event, String data, StreamState stream) {
    JsonObject json = data.isEmpty() ? new JsonObject() : new JsonObject(data);
    String type = json.getString("type", event);
    switch (type) {
      case "message_start" -> {
        JsonObject usage = json.getJsonObject("message", new JsonObject()).getJsonObject("usage", new JsonObject());
        stream.promptTokens = usage.getInteger("input_tokens", 0);
        stream.completionTokens = usage.getInteger("output_tokens", 0);
      }
      case "content_block_delta" -> {
        JsonObject delta = json.getJsonObject("delta", new JsonObject());
        if ("text_delta".equals(delta.getString("type"))) {
          stream.delta(delta.getString("text"));
        }
      }
      case "message_delta" -> {
        JsonObject usage = json.getJsonObject("usage", new JsonObject());
        // Usage in message_delta is cumulative: take it, do not add it.
        if (usage.containsKey("output_tokens")) {
          stream.completionTokens = usage.getInteger("output_tokens");
        }
        if (usage.containsKey("input_tokens")) {
          stream.promptTokens = usage.getInteger("input_tokens");
        }
        String stop = json.getJsonObject("delta", new JsonObject()).getString("stop_reason");
        if (stop != null) {
          stream.finishReason = stop;
        }
      }
      case "message_stop" -> stream.done = true;
      case "error" -> {
        JsonObject error = json.getJsonObject("error", new JsonObject());
        String kind = error.getString("type", "");
        int status = "overloaded_error".equals(kind) ? 529 : "rate_limit_error".equals(kind) ? 429 : 500;
        throw ProviderException.fromStatus(status, -1, kind);
      }
      default -> {
        // ping, content_block_start, content_block_stop: nothing to collect
      }
    }
  }
}
