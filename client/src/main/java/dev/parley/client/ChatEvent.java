package dev.parley.client;

import com.fasterxml.jackson.databind.JsonNode;
import dev.parley.client.Model.ChatTurn;
import dev.parley.client.Model.Message;

import java.util.UUID;

/** What a streamed turn tells, in order: it started, text and tool-call pieces, then its answer or a problem. */
public sealed interface ChatEvent {

  /** The turn's input is stored; {@code turnId} cancels it ({@link ParleyClient#cancelTurn}). */
  record Started(UUID turnId, UUID conversationId, Message userMessage) implements ChatEvent {
  }

  /** More of the answer's text. */
  record Delta(String content) implements ChatEvent {
  }

  /** A piece of tool call {@code index}: id and name in its first piece, arguments to concatenate. */
  record ToolCallPiece(int index, String id, String name, String arguments) implements ChatEvent {
  }

  /** The stored turn. */
  record Answered(ChatTurn turn) implements ChatEvent {
  }

  /** The turn failed after it started. */
  record Failed(ParleyException problem) implements ChatEvent {
  }

  /** The event of one SSE event, or null for one this client does not know. */
  static ChatEvent of(String name, JsonNode data) {
    return switch (name) {
      case "turn" -> new Started(UUID.fromString(data.path("turn_id").asText()),
          UUID.fromString(data.path("conversation_id").asText()),
          ParleyClient.as(data.path("user_message"), Message.class));
      case "delta" -> new Delta(data.path("content").asText(""));
      case "tool_call" -> new ToolCallPiece(data.path("index").asInt(), data.path("id").asText(null),
          data.path("name").asText(null), data.path("arguments").asText(""));
      case "message" -> new Answered(ParleyClient.as(data, ChatTurn.class));
      case "error" -> new Failed(ParleyClient.problem(data.path("status").asInt(500), data, null));
      default -> null;
    };
  }
}
