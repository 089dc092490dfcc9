package dev.parley.client;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** The objects of Parley's API, as records (snake_case on the wire; unknown members are ignored). */
public final class Model {

  private Model() {
  }

  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Conversation(UUID id, String title, Map<String, Object> metadata, long messageCount, long totalTokens,
                             boolean archived, Instant createdAt, Instant updatedAt, int currentBranch,
                             Map<String, Object> forkedFrom) {
  }

  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Message(UUID id, UUID conversationId, long seq, String role, String content, int tokenCount,
                        String model, List<Object> sources, String selectedText, Map<String, Object> metadata,
                        List<ToolCall> toolCalls, String toolCallId, String status, Instant createdAt, int branch) {
  }

  /** A model's call of a function: arguments is a JSON text. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record ToolCall(String id, String type, Function function) {

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Function(String name, String arguments) {
    }
  }

  /** A message to append: role (system, user, assistant, tool) and content, optionally metadata. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record NewMessage(String role, String content, Map<String, Object> metadata, List<ToolCall> toolCalls,
                           String toolCallId) {

    public static NewMessage user(String content) {
      return new NewMessage("user", content, null, null, null);
    }

    public static NewMessage assistant(String content) {
      return new NewMessage("assistant", content, null, null, null);
    }

    public static NewMessage system(String content) {
      return new NewMessage("system", content, null, null, null);
    }

    public NewMessage withMetadata(Map<String, Object> metadata) {
      return new NewMessage(role, content, metadata, toolCalls, toolCallId);
    }
  }

  /** A tool's result for the next turn: it answers the pending call {@code toolCallId}. */
  public record ToolResult(String toolCallId, String content) {
  }

  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Usage(long promptTokens, long completionTokens, long totalTokens) {
  }

  @JsonIgnoreProperties(ignoreUnknown = true)
  public record ChatTurn(UUID conversationId, Message userMessage, Message message, Usage usage,
                         List<ToolCall> toolCalls, String finishReason) {
  }

  @JsonIgnoreProperties(ignoreUnknown = true)
  public record ContextMessage(UUID id, long seq, String role, int tokenCount) {
  }

  /** What the next turn would send (the dry run). */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record ContextReport(UUID conversationId, String model, String strategy, int contextWindow,
                              int maxOutputTokens, long budgetTokens, List<ContextMessage> messages,
                              int messagesIncluded, long messagesDropped, String droppedReason, long promptTokens) {
  }

  @JsonIgnoreProperties(ignoreUnknown = true)
  public record SearchHit(UUID conversationId, String conversationTitle, UUID messageId, long seq, String role,
                          String snippet, double rank, Instant createdAt) {
  }

  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Branch(int branch, Integer parentBranch, long forkSeq, UUID forkMessageId, UUID firstMessageId,
                       UUID lastMessageId) {
  }

  @JsonIgnoreProperties(ignoreUnknown = true)
  public record LlmModel(String id, String ownedBy, int contextWindow, int maxOutputTokens) {
  }

  /** What claiming an anonymous user's data moved. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Claim(String anonymousUser, int conversationsMoved, int conversationsClaimed, Instant claimedAt) {
  }
}
