package dev.parley.llm.provider;

import dev.parley.model.ModelSpec;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * One call to a provider: the system prompt (may be null) and the conversation messages, oldest
 * first, each {role, content, tool_calls?, tool_call_id?} (tool calls in OpenAI's shape); the tools
 * the model may call ([{type: function, function: {name, description?, parameters?}}], or null) and
 * the tool choice (auto, none, required, {type: function, function: {name}}, or null); how to
 * sample ({temperature?, top_p?, stop?: [string]}, checked by the caller; absent members: the
 * model's defaults).
 */
public record ProviderRequest(ModelSpec model, String system, JsonArray messages, int maxOutputTokens, boolean stream,
                              JsonArray tools, Object toolChoice, JsonObject sampling) {

  /** The request without tools, sampled as the model does by default. */
  public ProviderRequest(ModelSpec model, String system, JsonArray messages, int maxOutputTokens, boolean stream) {
    this(model, system, messages, maxOutputTokens, stream, null, null, new JsonObject());
  }

  public ProviderRequest {
    sampling = sampling == null ? new JsonObject() : sampling;
  }

  /** The name of the function {@code toolChoice} forces, or null. */
  public String forcedFunction() {
    return toolChoice instanceof io.vertx.core.json.JsonObject choice && choice.getJsonObject("function") != null
        ? choice.getJsonObject("function").getString("name") : null;
  }
}
