package dev.parley.bus;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.Function;

/**
 * The reply of each public address, typed (the schemas of openapi.yaml). A reply travels as its
 * JSON object, readable with the default codecs; {@code fromJson} reads it back, {@code toJson}
 * gives the wire form. The store writes the wire form straight from its rows (it is the hot
 * path); tests hold the two in step by reading every reply through these types.
 */
public final class Replies {

  private Replies() {
  }

  /** Answer of conversations.create, .get and .update (status 201 for create, 200 otherwise). */
  public record Conversation(UUID id, String title, JsonObject metadata, long messageCount, long totalTokens,
                             boolean archived, String createdAt, String updatedAt, int currentBranch,
                             JsonObject forkedFrom) {

    public static Conversation fromJson(JsonObject json) {
      return new Conversation(UUID.fromString(json.getString("id")), json.getString("title"),
          json.getJsonObject("metadata", new JsonObject()), json.getLong("message_count"), json.getLong("total_tokens"),
          json.getBoolean("archived"), json.getString("created_at"), json.getString("updated_at"),
          json.getInteger("current_branch", 0), json.getJsonObject("forked_from"));
    }

    public JsonObject toJson() {
      return new JsonObject().put("id", id.toString()).put("object", "conversation").put("title", title)
          .put("metadata", metadata).put("message_count", messageCount).put("total_tokens", totalTokens)
          .put("archived", archived).put("created_at", createdAt).put("updated_at", updatedAt)
          .put("current_branch", currentBranch).put("forked_from", forkedFrom);
    }
  }

  /** A stored message (also the answer of messages.get and messages.update). */
  public record Message(UUID id, UUID conversationId, long seq, Role role, String content, int tokenCount,
                        String model, JsonArray sources, String selectedText, JsonObject metadata, JsonArray toolCalls,
                        String toolCallId, MessageStatus status, String createdAt, int branch) {

    public static Message fromJson(JsonObject json) {
      return new Message(UUID.fromString(json.getString("id")), UUID.fromString(json.getString("conversation_id")),
          json.getLong("seq"), Wire.parse(Role.class, json.getString("role")), json.getString("content"),
          json.getInteger("token_count"), json.getString("model"), json.getJsonArray("sources"),
          json.getString("selected_text"), json.getJsonObject("metadata", new JsonObject()), json.getJsonArray("tool_calls"),
          json.getString("tool_call_id"), Wire.parse(MessageStatus.class, json.getString("status", "complete")),
          json.getString("created_at"), json.getInteger("branch", 0));
    }

    public JsonObject toJson() {
      return new JsonObject().put("id", id.toString()).put("object", "message")
          .put("conversation_id", conversationId.toString()).put("seq", seq).put("role", role.wire())
          .put("content", content).put("token_count", tokenCount).put("model", model).put("sources", sources)
          .put("selected_text", selectedText).put("metadata", metadata).put("tool_calls", toolCalls).put("tool_call_id", toolCallId).put("status", status.wire())
          .put("created_at", createdAt).put("branch", branch);
    }
  }

  /**
   * A page of a list (conversations.list: conversations; messages.list and messages.append:
   * messages). {@code firstId}/{@code lastId} are the cursors for the neighbouring pages.
   */
  public record Page<T>(List<T> data, String firstId, String lastId, boolean hasMore) {

    public static <T> Page<T> fromJson(JsonObject json, Function<JsonObject, T> item) {
      JsonArray array = json.getJsonArray("data");
      List<T> data = new ArrayList<>(array.size());
      for (int i = 0; i < array.size(); i++) {
        data.add(item.apply(array.getJsonObject(i)));
      }
      return new Page<>(data, json.getString("first_id"), json.getString("last_id"), json.getBoolean("has_more"));
    }

    public JsonObject toJson(Function<T, JsonObject> item) {
      return new JsonObject().put("object", "list").put("data", new JsonArray(data.stream().map(item).toList()))
          .put("first_id", firstId).put("last_id", lastId).put("has_more", hasMore);
    }
  }

  /** Tokens of one model call. */
  public record Usage(long promptTokens, long completionTokens) {

    public static Usage fromJson(JsonObject json) {
      return new Usage(json.getLong("prompt_tokens"), json.getLong("completion_tokens"));
    }

    public JsonObject toJson() {
      return new JsonObject().put("prompt_tokens", promptTokens).put("completion_tokens", completionTokens)
          .put("total_tokens", promptTokens + completionTokens);
    }
  }

  /** What a turn sent the model: how many messages made it into the prompt, and how many did not. */
  public record TurnContext(ContextStrategy strategy, int messagesIncluded, long messagesDropped, long promptTokens) {

    public static TurnContext fromJson(JsonObject json) {
      return new TurnContext(Wire.parse(ContextStrategy.class, json.getString("strategy")),
          json.getInteger("messages_included"), json.getLong("messages_dropped"), json.getLong("prompt_tokens"));
    }

    public JsonObject toJson() {
      return new JsonObject().put("strategy", strategy.wire()).put("messages_included", messagesIncluded)
          .put("messages_dropped", messagesDropped).put("prompt_tokens", promptTokens);
    }
  }

  /** Answer of parley.chat.turn (200). */
  public record ChatTurn(UUID conversationId, Message userMessage, Message message, Usage usage, TurnContext context,
                         JsonArray toolCalls, String finishReason) {

    public static ChatTurn fromJson(JsonObject json) {
      return new ChatTurn(UUID.fromString(json.getString("conversation_id")),
          Message.fromJson(json.getJsonObject("user_message")), Message.fromJson(json.getJsonObject("message")),
          json.getJsonObject("usage") == null ? null : Usage.fromJson(json.getJsonObject("usage")),
          json.getJsonObject("context") == null ? null : TurnContext.fromJson(json.getJsonObject("context")),
          json.getJsonArray("tool_calls"), json.getString("finish_reason"));
    }

    public JsonObject toJson() {
      return new JsonObject().put("conversation_id", conversationId.toString())
          .put("user_message", userMessage.toJson()).put("message", message.toJson())
          .put("usage", usage == null ? null : usage.toJson()).put("context", context == null ? null : context.toJson())
          .put("tool_calls", toolCalls).put("finish_reason", finishReason);
    }
  }

  /** One message of a context dry run. */
  public record ContextMessage(String id, long seq, Role role, int tokenCount) {

    public static ContextMessage fromJson(JsonObject json) {
      return new ContextMessage(json.getString("id"), json.getLong("seq"), Wire.parse(Role.class, json.getString("role")),
          json.getInteger("token_count"));
    }

    public JsonObject toJson() {
      return new JsonObject().put("id", id).put("seq", seq).put("role", role.wire()).put("token_count", tokenCount);
    }
  }

  /** Why a dry run left messages out: the token budget or last_n. */
  public enum DroppedReason implements Wire {
    TOKEN_BUDGET("token_budget"), LAST_N("last_n");

    private final String wire;

    DroppedReason(String wire) {
      this.wire = wire;
    }

    @Override
    public String wire() {
      return wire;
    }
  }

  /** Answer of parley.chat.context (200): exactly what a turn would send, and what it would leave out. */
  public record ContextReport(UUID conversationId, String model, ContextStrategy strategy, int contextWindow,
                              int maxOutputTokens, long budgetTokens, int systemTokens, boolean summaryIncluded,
                              Integer newMessageTokens, List<ContextMessage> messages, int messagesIncluded,
                              long messagesDropped, DroppedReason droppedReason, long promptTokens) {

    public static ContextReport fromJson(JsonObject json) {
      JsonArray array = json.getJsonArray("messages");
      List<ContextMessage> messages = new ArrayList<>(array.size());
      for (int i = 0; i < array.size(); i++) {
        messages.add(ContextMessage.fromJson(array.getJsonObject(i)));
      }
      return new ContextReport(UUID.fromString(json.getString("conversation_id")), json.getString("model"),
          Wire.parse(ContextStrategy.class, json.getString("strategy")), json.getInteger("context_window"),
          json.getInteger("max_output_tokens"), json.getLong("budget_tokens"), json.getInteger("system_tokens"),
          json.getBoolean("summary_included"), json.getInteger("new_message_tokens"), messages,
          json.getInteger("messages_included"), json.getLong("messages_dropped"),
          Wire.parse(DroppedReason.class, json.getString("dropped_reason")), json.getLong("prompt_tokens"));
    }

    public JsonObject toJson() {
      return new JsonObject()
          .put("object", "context")
          .put("conversation_id", conversationId.toString())
          .put("model", model)
          .put("strategy", strategy.wire())
          .put("context_window", contextWindow)
          .put("max_output_tokens", maxOutputTokens)
          .put("budget_tokens", budgetTokens)
          .put("system_tokens", systemTokens)
          .put("summary_included", summaryIncluded)
          .put("new_message_tokens", newMessageTokens)
          .put("messages", new JsonArray(messages.stream().map(ContextMessage::toJson).toList()))
          .put("messages_included", messagesIncluded)
          .put("messages_dropped", messagesDropped)
          .put("dropped_reason", droppedReason == null ? null : droppedReason.wire())
          .put("prompt_tokens", promptTokens);
    }
  }

  /**
   * One event of a follow (parley.conversations.follow), sent to the follower's stream address as
   * {type, ...}: every committed message once, in seq order ({@code message}); the conversation
   * after a change of its title, metadata or archived flag ({@code conversation}); its deletion,
   * the last event ({@code deleted}); {@code ping} while nothing happens; and {@code end} when the
   * serving node stops (follow again, from the last seq, on any node).
   */
  public sealed interface ConversationEvent {

    JsonObject toJson();

    static ConversationEvent fromJson(JsonObject json) {
      String type = json.getString("type", "");
      return switch (type) {
        case MessageCommitted.TYPE -> new MessageCommitted(Message.fromJson(json.getJsonObject("message")));
        case ConversationChanged.TYPE -> new ConversationChanged(Conversation.fromJson(json.getJsonObject("conversation")));
        case ConversationDeleted.TYPE -> new ConversationDeleted(UUID.fromString(json.getString("conversation_id")));
        case Ping.TYPE -> new Ping();
        case Ended.TYPE -> new Ended(Problem.fromJson(json.getJsonObject("problem")));
        default -> new Unknown(json);
      };
    }

    record MessageCommitted(Message message) implements ConversationEvent {
      public static final String TYPE = "message";

      public JsonObject toJson() {
        return new JsonObject().put("type", TYPE).put("message", message.toJson());
      }
    }

    record ConversationChanged(Conversation conversation) implements ConversationEvent {
      public static final String TYPE = "conversation";

      public JsonObject toJson() {
        return new JsonObject().put("type", TYPE).put("conversation", conversation.toJson());
      }
    }

    record ConversationDeleted(UUID conversationId) implements ConversationEvent {
      public static final String TYPE = "deleted";

      public JsonObject toJson() {
        return new JsonObject().put("type", TYPE).put("conversation_id", conversationId.toString());
      }
    }

    record Ping() implements ConversationEvent {
      public static final String TYPE = "ping";

      public JsonObject toJson() {
        return new JsonObject().put("type", TYPE);
      }
    }

    /** An event type from a newer Parley: ignore it. */
    record Unknown(JsonObject json) implements ConversationEvent {
      public JsonObject toJson() {
        return json;
      }
    }

    record Ended(Problem problem) implements ConversationEvent {
      public static final String TYPE = "end";

      public JsonObject toJson() {
        return new JsonObject().put("type", TYPE).put("problem", problem.toJson());
      }
    }
  }
}
