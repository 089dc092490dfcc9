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
    JsonArray results = null; // the user turn that holds tool results, while more may join it
    for (Object m : request.messages()) {
      JsonObject message = (JsonObject) m;
      String role = message.getString("role");
      String content = message.getString("content");
      JsonArray toolCalls = message.getJsonArray("tool_calls");
      if ("system".equals(role)) {
        // Anthropic takes system text only at the top.
        system.append(system.length() > 0 ? "\n\n" : "").append(content);
        continue;
      }
      if ("tool".equals(role) && message.getString("tool_call_id") != null) {
        // Tool results go back as tool_result blocks of one user turn, first in it.
        if (results == null) {
          results = new JsonArray();
          messages.add(new JsonObject().put("role", "user").put("content", results));
        }
        results.add(new JsonObject().put("type", "tool_result").put("tool_use_id", message.getString("tool_call_id"))
            .put("content", content));
        continue;
      }
      if (results != null && !"assistant".equals(role)) {
        results.add(new JsonObject().put("type", "text").put("text", content));
        continue;
      }
      results = null;
      if ("assistant".equals(role) && toolCalls != null) {
        JsonArray blocks = new JsonArray();
        if (content != null && !content.isBlank()) {
          blocks.add(new JsonObject().put("type", "text").put("text", content));
        }
        for (Object c : toolCalls) {
          JsonObject call = (JsonObject) c;
          JsonObject fn = call.getJsonObject("function");
          blocks.add(new JsonObject().put("type", "tool_use").put("id", call.getString("id"))
              .put("name", fn.getString("name")).put("input", arguments(fn.getString("arguments"))));
        }
        messages.add(new JsonObject().put("role", "assistant").put("content", blocks));
      } else {
        messages.add(new JsonObject().put("role", "assistant".equals(role) ? "assistant" : "user").put("content", content));
      }
    }
    JsonObject body = new JsonObject()
        .put("model", request.model().upstream())
        .put("max_tokens", request.maxOutputTokens())
        .put("messages", messages)
        .put("stream", request.stream());
    if (request.tools() != null) {
      JsonArray tools = new JsonArray();
      for (Object t : request.tools()) {
        JsonObject fn = ((JsonObject) t).getJsonObject("function");
        JsonObject tool = new JsonObject().put("name", fn.getString("name"))
            .put("input_schema", fn.getJsonObject("parameters", new JsonObject().put("type", "object")
                .put("properties", new JsonObject())));
        if (fn.getString("description") != null) {
          tool.put("description", fn.getString("description"));
        }
        tools.add(tool);
      }
      body.put("tools", tools);
      if (request.toolChoice() != null) {
        body.put("tool_choice", toolChoice(request));
      }
    }
    if (system.length() > 0) {
      body.put("system", system.toString());
    }
    JsonObject sampling = request.sampling();
    if (sampling.getDouble("temperature") != null) {
      // Anthropic takes temperatures from 0 to 1: higher ones are sent as 1.
      body.put("temperature", Math.min(1.0, sampling.getDouble("temperature")));
    }
    if (sampling.getDouble("top_p") != null) {
      body.put("top_p", sampling.getDouble("top_p"));
    }
    if (sampling.getJsonArray("stop") != null) {
      body.put("stop_sequences", sampling.getJsonArray("stop"));
    }
    return body;
  }

  /** OpenAI's tool_choice in Anthropic's words: auto, any (required), none, or one named tool. */
  private static JsonObject toolChoice(ProviderRequest request) {
    String forced = request.forcedFunction();
    if (forced != null) {
      return new JsonObject().put("type", "tool").put("name", forced);
    }
    return new JsonObject().put("type", switch (String.valueOf(request.toolChoice())) {
      case "required" -> "any";
      case "none" -> "none";
      default -> "auto";
    });
  }

  /** A call's arguments as the tool_use input object; arguments that are not a JSON object become {}. */
  private static JsonObject arguments(String json) {
    try {
      return json == null || json.isBlank() ? new JsonObject() : new JsonObject(json);
    } catch (RuntimeException notAnObject) {
      return new JsonObject();
    }
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
        toolCalls.add(ToolCallPieces.call(block.getString("id"), block.getString("name"),
            block.getJsonObject("input", new JsonObject()).encode()));
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
      case "content_block_start" -> {
        JsonObject block = json.getJsonObject("content_block", new JsonObject());
        if ("tool_use".equals(block.getString("type"))) {
          int index = stream.toolIndexByBlock.size();
          stream.toolIndexByBlock.put(json.getInteger("index", 0), index);
          JsonObject input = block.getJsonObject("input");
          stream.toolCall(index, block.getString("id"), block.getString("name"),
              input == null || input.isEmpty() ? "" : input.encode());
        }
      }
      case "content_block_delta" -> {
        JsonObject delta = json.getJsonObject("delta", new JsonObject());
        if ("text_delta".equals(delta.getString("type"))) {
          stream.delta(delta.getString("text"));
        } else if ("input_json_delta".equals(delta.getString("type"))) {
          Integer index = stream.toolIndexByBlock.get(json.getInteger("index", 0));
          if (index != null) {
            stream.toolCall(index, null, null, delta.getString("partial_json"));
          }
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
        // ping, content_block_stop: nothing to collect
      }
    }
  }
}
