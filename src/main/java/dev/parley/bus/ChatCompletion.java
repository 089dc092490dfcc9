package dev.parley.bus;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;

/**
 * parley.chat.completions: {completion: an OpenAI Chat Completions request (without stream and
 * stream_options, which are HTTP's), conversation_id?: a conversation id, or "new"}.
 *
 * <p>Without a conversation the messages go to the model as they are (a pass-through with
 * Parley's limits, retries, call log and metrics). With one, Parley keeps the history: the
 * messages after the request's last assistant message are the new ones (tool results, then at
 * most one user message), stored by a chat turn that supplies the stored history itself; the
 * request's system messages are the turn's system prompt; earlier messages are taken to be in the
 * conversation already and are not sent twice.
 *
 * @param messages the request's messages, each {role (developer is system), content (text parts
 *                 joined), tool_calls?, tool_call_id?}
 */
public record ChatCompletion(String model, List<JsonObject> messages, Integer maxOutputTokens, JsonArray tools,
                             Object toolChoice, Sampling sampling, UUID conversationId, boolean newConversation) {

  private static final Set<String> FIELDS = Set.of("completion", "conversation_id");
  /** Members Parley acts on. */
  private static final Set<String> TAKEN = Set.of("model", "messages", "max_tokens", "max_completion_tokens", "tools",
      "tool_choice", "n", "temperature", "top_p", "stop");
  /** Members accepted and left to the model's defaults (documented in openapi.yaml). */
  private static final Set<String> IGNORED = Set.of("presence_penalty",
      "frequency_penalty", "seed", "user", "parallel_tool_calls", "logit_bias", "logprobs", "top_logprobs", "store",
      "metadata", "service_tier");
  private static final Set<String> MESSAGE_FIELDS = Set.of("role", "content", "name", "tool_calls", "tool_call_id",
      "refusal");
  private static final Set<String> ROLES = Set.of("system", "developer", "user", "assistant", "tool");

  /** The literal conversation id that asks for a new conversation. */
  public static final String NEW = "new";

  public static ChatCompletion fromJson(JsonObject body, InputRules rules) {
    Fields.only(body, "", FIELDS);
    JsonObject completion = Fields.object(body.getValue("completion"), "/completion");
    for (String name : completion.fieldNames()) {
      if (!TAKEN.contains(name) && !IGNORED.contains(name)) {
        throw Problem.invalid("/" + name, name + " is not supported");
      }
    }
    Object conversation = body.getValue("conversation_id");
    boolean fresh = NEW.equals(conversation);
    UUID conversationId = conversation == null || fresh ? null : Fields.uuid(body, "conversation_id", true);
    String model = Fields.string(completion, "model", "/model");
    if (model == null || model.isBlank()) {
      throw Problem.invalid("/model", "model is required");
    }
    if (completion.getValue("n") != null && !Integer.valueOf(1).equals(completion.getValue("n"))) {
      throw Problem.invalid("/n", "n must be 1");
    }
    Integer maxOutput = Fields.integer(completion, "max_completion_tokens", "/max_completion_tokens", 1, Integer.MAX_VALUE);
    if (maxOutput == null) {
      maxOutput = Fields.integer(completion, "max_tokens", "/max_tokens", 1, Integer.MAX_VALUE);
    }
    JsonArray tools = Requests.ChatTurn.tools(completion.getValue("tools"));
    Object toolChoice = Requests.ChatTurn.toolChoice(completion.getValue("tool_choice"), tools);
    if (!(completion.getValue("messages") instanceof JsonArray array) || array.isEmpty()) {
      throw Problem.invalid("/messages", "messages must be a non-empty array");
    }
    int maxChars = rules.limits().contentChars();
    List<JsonObject> messages = new ArrayList<>(array.size());
    for (int i = 0; i < array.size(); i++) {
      messages.add(message(array.getValue(i), "/messages/" + i, maxChars));
    }
    return new ChatCompletion(model, messages, maxOutput, tools, toolChoice, Sampling.from(completion), conversationId,
        fresh);
  }

  private static JsonObject message(Object value, String at, int maxChars) {
    JsonObject m = Fields.object(value, at);
    Fields.only(m, at, MESSAGE_FIELDS);
    if (!(m.getValue("role") instanceof String role) || !ROLES.contains(role)) {
      throw Problem.invalid(at + "/role", "role must be one of system, developer, user, assistant, tool");
    }
    String content = text(m.getValue("content"), at + "/content");
    if (content.length() > maxChars) {
      throw Problem.invalid(at + "/content", "content must be at most " + maxChars + " characters");
    }
    JsonObject out = new JsonObject().put("role", "developer".equals(role) ? "system" : role).put("content", content);
    if (m.getValue("tool_calls") != null) {
      if (!"assistant".equals(role)) {
        throw Problem.invalid(at + "/tool_calls", "only an assistant message carries tool_calls");
      }
      out.put("tool_calls", InputRules.toolCalls(m.getValue("tool_calls"), at + "/tool_calls"));
    }
    if ("tool".equals(role)) {
      out.put("tool_call_id", InputRules.toolCallId(m.getValue("tool_call_id"), at + "/tool_call_id"));
    } else if (m.getValue("tool_call_id") != null) {
      throw Problem.invalid(at + "/tool_call_id", "only a tool message carries tool_call_id");
    }
    if (content.isEmpty() && out.getValue("tool_calls") == null && !"assistant".equals(role)) {
      throw Problem.invalid(at + "/content", "content must not be empty");
    }
    return out;
  }

  /** A string, null (an assistant's tool calls), or text parts [{type: "text", text}] joined. */
  private static String text(Object content, String at) {
    if (content == null) {
      return "";
    }
    if (content instanceof String s) {
      return s;
    }
    if (content instanceof JsonArray parts) {
      StringBuilder text = new StringBuilder();
      for (int i = 0; i < parts.size(); i++) {
        if (!(parts.getValue(i) instanceof JsonObject part) || !"text".equals(part.getValue("type"))
            || !(part.getValue("text") instanceof String t)) {
          throw Problem.invalid(at + "/" + i, "only text content parts ({type: text, text}) are supported");
        }
        text.append(text.length() > 0 ? "\n" : "").append(t);
      }
      return text.toString();
    }
    throw Problem.invalid(at, "content must be a string or an array of text parts");
  }

  /** Whether Parley keeps this exchange in a conversation. */
  public boolean withMemory() {
    return conversationId != null || newConversation;
  }

  /**
   * The chat turn that stores the new messages of a request with memory: {conversation_id?,
   * message?, tool_results?, system?, model, max_output_tokens?, tools?, tool_choice?, temperature?,
   * top_p?, stop?}.
   */
  public JsonObject toTurn() {
    int last = -1;
    for (int i = 0; i < messages.size(); i++) {
      if ("assistant".equals(messages.get(i).getString("role"))) {
        last = i;
      }
    }
    StringBuilder system = new StringBuilder();
    JsonArray toolResults = new JsonArray();
    String user = null;
    for (int i = 0; i < messages.size(); i++) {
      JsonObject m = messages.get(i);
      String role = m.getString("role");
      if ("system".equals(role)) {
        system.append(system.length() > 0 ? "\n\n" : "").append(m.getString("content"));
      } else if (i > last && "tool".equals(role)) {
        if (user != null) {
          throw Problem.invalid("/messages/" + i, "with a conversation, tool results come before the new user message");
        }
        toolResults.add(new JsonObject().put("tool_call_id", m.getString("tool_call_id")).put("content", m.getString("content")));
      } else if (i > last && "user".equals(role)) {
        if (user != null) {
          throw Problem.invalid("/messages/" + i, "with a conversation, send one new user message after the last assistant message");
        }
        user = m.getString("content");
      }
    }
    if (user == null && toolResults.isEmpty()) {
      throw Problem.invalid("/messages", "with a conversation, the messages after the last assistant message must hold "
          + "a user message or tool results: they are what is new");
    }
    JsonObject turn = new JsonObject().put("model", model);
    if (conversationId != null) {
      turn.put("conversation_id", conversationId.toString());
    }
    if (user != null) {
      turn.put("message", user);
    }
    if (!toolResults.isEmpty()) {
      turn.put("tool_results", toolResults);
    }
    if (system.length() > 0) {
      turn.put("system", system.toString());
    }
    if (maxOutputTokens != null) {
      turn.put("max_output_tokens", maxOutputTokens);
    }
    if (tools != null) {
      turn.put("tools", tools);
    }
    if (toolChoice != null) {
      turn.put("tool_choice", toolChoice);
    }
    return turn.mergeIn(sampling.toJson());
  }

  /** The messages as the model takes them (stateless): role, content, tool_calls?, tool_call_id?. */
  public JsonArray providerMessages() {
    return new JsonArray(new ArrayList<>(messages));
  }
}
