package dev.parley.chat;

import dev.parley.bus.Problem;
import dev.parley.config.Limits;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.Set;

/**
 * A chat turn as asked for: {conversation_id?, message: string | {content, sources?, metadata?},
 * model?, system?, max_output_tokens?, context?: {strategy, last_n?, max_prompt_tokens?}}.
 */
record TurnRequest(String conversationId, String content, JsonArray sources, JsonObject metadata, String model,
                   String system, Integer maxOutputTokens, String strategy, int lastN, Integer maxPromptTokens) {

  static final Set<String> STRATEGIES = Set.of("token_budget", "last_n", "summary");

  static TurnRequest parse(JsonObject body, Limits limits, boolean messageRequired) {
    Object conversation = body.getValue("conversation_id");
    if (conversation != null && !(conversation instanceof String)) {
      throw Problem.invalid("/conversation_id", "conversation_id must be a string");
    }
    Object message = body.getValue("message");
    String content;
    JsonArray sources = null;
    JsonObject metadata = null;
    if (message instanceof String s) {
      content = s;
    } else if (message instanceof JsonObject m) {
      if (!(m.getValue("content") instanceof String s)) {
        throw Problem.invalid("/message/content", "content must be a string");
      }
      content = s;
      if (m.getValue("sources") != null && !(m.getValue("sources") instanceof JsonArray)) {
        throw Problem.invalid("/message/sources", "sources must be an array");
      }
      sources = m.getJsonArray("sources");
      if (m.getValue("metadata") != null && !(m.getValue("metadata") instanceof JsonObject)) {
        throw Problem.invalid("/message/metadata", "metadata must be an object");
      }
      metadata = m.getJsonObject("metadata");
    } else if (message == null && !messageRequired) {
      content = null;
    } else {
      throw Problem.invalid("/message", "message must be a string or an object with content");
    }
    if (content != null && content.isBlank()) {
      throw Problem.invalid("/message", "message must not be empty");
    }
    if (content != null && content.length() > limits.contentChars()) {
      throw Problem.invalid("/message", "message must be at most " + limits.contentChars() + " characters");
    }
    String system = optionalString(body, "system", "/system");
    if (system != null && system.length() > limits.contentChars()) {
      throw Problem.invalid("/system", "system must be at most " + limits.contentChars() + " characters");
    }
    Integer maxOutput = optionalInt(body, "max_output_tokens", "/max_output_tokens", 1, Integer.MAX_VALUE);
    JsonObject context = body.getValue("context") == null ? new JsonObject() : asObject(body.getValue("context"), "/context");
    String strategy = context.getValue("strategy") == null ? "token_budget" : context.getValue("strategy").toString();
    if (!STRATEGIES.contains(strategy)) {
      throw Problem.invalid("/context/strategy", "strategy must be token_budget, last_n or summary");
    }
    Integer lastN = optionalInt(context, "last_n", "/context/last_n", 1, 10_000);
    if ("last_n".equals(strategy) && lastN == null) {
      throw Problem.invalid("/context/last_n", "last_n is required with strategy last_n");
    }
    Integer maxPrompt = optionalInt(context, "max_prompt_tokens", "/context/max_prompt_tokens", 1, Integer.MAX_VALUE);
    return new TurnRequest((String) conversation, content, sources, metadata, optionalString(body, "model", "/model"),
        system, maxOutput, strategy, lastN == null ? 0 : lastN, maxPrompt);
  }

  private static JsonObject asObject(Object value, String pointer) {
    if (!(value instanceof JsonObject o)) {
      throw Problem.invalid(pointer, "must be an object");
    }
    return o;
  }

  private static String optionalString(JsonObject body, String field, String pointer) {
    Object value = body.getValue(field);
    if (value != null && !(value instanceof String)) {
      throw Problem.invalid(pointer, field + " must be a string");
    }
    return (String) value;
  }

  private static Integer optionalInt(JsonObject body, String field, String pointer, int min, int max) {
    Object value = body.getValue(field);
    if (value == null) {
      return null;
    }
    if (!(value instanceof Number n) || n.doubleValue() != Math.rint(n.doubleValue()) || n.longValue() < min || n.longValue() > max) {
      throw Problem.invalid(pointer, field + " must be a whole number from " + min + (max == Integer.MAX_VALUE ? " up" : " to " + max));
    }
    return n.intValue();
  }

  /** The user message as the store takes it. */
  JsonObject userMessage() {
    JsonObject m = new JsonObject().put("role", "user").put("content", content);
    if (sources != null) {
      m.put("sources", sources);
    }
    if (metadata != null) {
      m.put("metadata", metadata);
    }
    return m;
  }
}
