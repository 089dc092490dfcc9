package dev.parley.client;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.parley.client.Model.ToolResult;

import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * One chat turn: a message (or tool results, or a parent to regenerate from) and how to answer it.
 * Without a conversation the turn starts one. Build with {@link #builder()}.
 */
public final class ChatRequest {

  private final ObjectNode json;

  private ChatRequest(ObjectNode json) {
    this.json = json;
  }

  public static Builder builder() {
    return new Builder();
  }

  ObjectNode toJson() {
    return json.deepCopy();
  }

  public static final class Builder {
    private final ObjectNode json = ParleyClient.JSON.createObjectNode();

    public Builder conversation(UUID id) {
      json.put("conversation_id", id.toString());
      return this;
    }

    public Builder message(String content) {
      json.put("message", content);
      return this;
    }

    public Builder system(String system) {
      json.put("system", system);
      return this;
    }

    /** A configured model name or provider/model; absent: Parley's default. */
    public Builder model(String model) {
      json.put("model", model);
      return this;
    }

    public Builder maxOutputTokens(int tokens) {
      json.put("max_output_tokens", tokens);
      return this;
    }

    public Builder temperature(double temperature) {
      json.put("temperature", temperature);
      return this;
    }

    /** Edit or regenerate: go on after this message on a new branch (with no message: a new answer to it). */
    public Builder parent(UUID messageId) {
      json.put("parent_id", messageId.toString());
      return this;
    }

    /** Functions the model may call: each {name, description?, parameters? (a JSON schema)}. */
    public Builder tools(List<Map<String, Object>> functions) {
      ArrayNode tools = json.putArray("tools");
      for (Map<String, Object> function : functions) {
        tools.addObject().put("type", "function").set("function", ParleyClient.JSON.valueToTree(function));
      }
      return this;
    }

    /** auto, none, required, or the name of one of the tools. */
    public Builder toolChoice(String choice) {
      if (List.of("auto", "none", "required").contains(choice)) {
        json.put("tool_choice", choice);
      } else {
        json.putObject("tool_choice").put("type", "function").putObject("function").put("name", choice);
      }
      return this;
    }

    /** The results of the tool calls of the conversation's last answer. */
    public Builder toolResults(List<ToolResult> results) {
      ArrayNode array = json.putArray("tool_results");
      results.forEach(r -> array.addObject().put("tool_call_id", r.toolCallId()).put("content", r.content()));
      return this;
    }

    /** The context strategy: token_budget (default), last_n (with lastN) or summary. */
    public Builder context(String strategy, Integer lastN) {
      ObjectNode context = json.putObject("context").put("strategy", strategy);
      if (lastN != null) {
        context.put("last_n", lastN);
      }
      return this;
    }

    public ChatRequest build() {
      return new ChatRequest(json.deepCopy());
    }
  }
}
