package dev.parley.bus;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * A message about to be appended, validated by {@link InputRules}; the store fills in its token count.
 * {@code selectedText} is the text the user had selected when writing it (null: none); {@code toolCallId}
 * the call a tool result answers (role tool only).
 */
public record NewMessage(Role role, String content, int tokenCount, String model,
                         JsonArray sources, String selectedText, JsonObject metadata, JsonArray toolCalls,
                         String toolCallId, MessageStatus status) {

  public NewMessage withTokenCount(int count) {
    return new NewMessage(role, content, count, model, sources, selectedText, metadata, toolCalls, toolCallId, status);
  }

  /** A message as a client sends it: role and content, nothing else. */
  public static NewMessage of(Role role, String content) {
    return new NewMessage(role, content, 0, null, null, null, new JsonObject(), null, null, MessageStatus.COMPLETE);
  }

  /** The request form (MessageInput in openapi.yaml); model and status only for a turn's answer. */
  public JsonObject toJson() {
    JsonObject json = new JsonObject().put("role", role.wire()).put("content", content);
    if (sources != null) {
      json.put("sources", sources);
    }
    if (selectedText != null) {
      json.put("selected_text", selectedText);
    }
    if (metadata != null && !metadata.isEmpty()) {
      json.put("metadata", metadata);
    }
    if (toolCalls != null) {
      json.put("tool_calls", toolCalls);
    }
    if (toolCallId != null) {
      json.put("tool_call_id", toolCallId);
    }
    if (model != null) {
      json.put("model", model);
    }
    if (status != MessageStatus.COMPLETE) {
      json.put("status", status.wire());
    }
    return json;
  }
}
