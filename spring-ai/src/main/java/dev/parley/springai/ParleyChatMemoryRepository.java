package dev.parley.springai;

import dev.parley.client.MemoryConversations;
import dev.parley.client.MemoryWindows;
import dev.parley.client.Model;
import dev.parley.client.Model.NewMessage;
import dev.parley.client.ParleyClient;
import dev.parley.client.ParleyException;
import org.springframework.ai.chat.memory.ChatMemoryRepository;
import org.springframework.ai.chat.messages.AssistantMessage;
import org.springframework.ai.chat.messages.Message;
import org.springframework.ai.chat.messages.SystemMessage;
import org.springframework.ai.chat.messages.ToolResponseMessage;
import org.springframework.ai.chat.messages.UserMessage;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Spring AI chat memory kept by Parley: each memory conversation id is one of the user's
 * conversations (metadata {@code memory_id}, made on first save). {@code MessageWindowChatMemory}
 * and {@code MessageChatMemoryAdvisor} work unchanged.
 *
 * <p>{@link #saveAll} is not a rewrite: the memory hands over its whole window and only what
 * follows the window's stored front is appended ({@link MemoryWindows}), with the client's
 * idempotent appends; where the window starts is kept in the conversation's metadata
 * ({@code memory_window_from}), and reading the memory gives that window back. Parley keeps the
 * whole history; two writers saving at once both keep their messages (neither is lost, neither is
 * stored twice).
 */
public final class ParleyChatMemoryRepository implements ChatMemoryRepository {

  /** Conversation metadata: the seq where the memory's window starts. */
  static final String WINDOW_FROM = "memory_window_from";

  private final ParleyClient parley;
  private final MemoryConversations conversations;

  public ParleyChatMemoryRepository(ParleyClient parley) {
    this.parley = parley;
    this.conversations = new MemoryConversations(parley);
  }

  @Override
  public List<String> findConversationIds() {
    return conversations.ids();
  }

  /**
   * The memory's window: the stored messages from where its last save's window started, with the
   * system messages before it (a window keeps them). Parley keeps the rest of the history.
   */
  @Override
  public List<Message> findByConversationId(String conversationId) {
    UUID conversation = conversations.find(conversationId);
    if (conversation == null) {
      return new ArrayList<>();
    }
    List<Model.Message> inWindow = new ArrayList<>();
    try {
      long from = windowStart(conversation);
      for (Model.Message m : parley.messages(conversation)) {
        if (m.seq() >= from || "system".equals(m.role())) {
          inWindow.add(m);
        }
      }
    } catch (ParleyException.NotFound deleted) {
      conversations.forget(conversationId); // deleted by another writer
      return new ArrayList<>();
    }
    return toSpring(inWindow);
  }

  /**
   * Appends what the window adds (only that: {@link MemoryWindows}), then remembers where the
   * window starts, so that reading the memory gives the window back.
   */
  @Override
  public void saveAll(String conversationId, List<Message> messages) {
    UUID conversation = conversations.findOrCreate(conversationId);
    if (messages.isEmpty()) {
      return;
    }
    List<Model.Message> history = new ArrayList<>();
    parley.messages(conversation).forEach(history::add);
    List<Message> stored = toSpring(history);
    int[] aligned = MemoryWindows.align(keys(stored), keys(messages), messages.get(0) instanceof SystemMessage);
    List<NewMessage> append = new ArrayList<>();
    for (Message m : messages.subList(aligned[0], messages.size())) {
      append.addAll(toParley(m));
    }
    Long start = aligned[1] >= 0 ? firstSeq(stored, history, aligned[1]) : null;
    for (int i = 0; i < append.size(); i += 20) {
      List<Model.Message> added = parley.append(conversation, append.subList(i, Math.min(append.size(), i + 20)));
      if (start == null && !added.isEmpty()) {
        start = added.get(0).seq();
      }
    }
    if (start != null) {
      parley.setMetadata(conversation, Map.of(MemoryConversations.MEMORY_ID, conversationId, WINDOW_FROM, start));
    }
  }

  /** The seq of the first stored message behind Spring message {@code index} (tool results are one message there). */
  private static long firstSeq(List<Message> stored, List<Model.Message> history, int index) {
    int h = 0;
    for (int i = 0; i < index; i++) {
      h += stored.get(i) instanceof ToolResponseMessage t ? t.getResponses().size() : 1;
    }
    return history.get(h).seq();
  }

  private long windowStart(UUID conversation) {
    Object from = parley.conversation(conversation).metadata().get(WINDOW_FROM);
    return from instanceof Number n ? n.longValue() : 0;
  }

  /** Parley messages as Spring AI's: consecutive tool results are one tool response message. */
  private static List<Message> toSpring(List<Model.Message> history) {
    List<Message> messages = new ArrayList<>();
    List<ToolResponseMessage.ToolResponse> responses = new ArrayList<>();
    for (Model.Message m : history) {
      if ("tool".equals(m.role())) {
        responses.add(new ToolResponseMessage.ToolResponse(m.toolCallId(),
            String.valueOf(m.metadata().get("tool_name")), m.content()));
        continue;
      }
      if (!responses.isEmpty()) {
        messages.add(ToolResponseMessage.builder().responses(List.copyOf(responses)).build());
        responses.clear();
      }
      messages.add(toSpring(m));
    }
    if (!responses.isEmpty()) {
      messages.add(ToolResponseMessage.builder().responses(List.copyOf(responses)).build());
    }
    return messages;
  }

  @Override
  public void deleteByConversationId(String conversationId) {
    UUID conversation = conversations.find(conversationId);
    if (conversation != null) {
      parley.deleteConversation(conversation);
      conversations.forget(conversationId);
    }
  }

  private static List<String> keys(List<Message> messages) {
    List<String> keys = new ArrayList<>(messages.size());
    for (Message m : messages) {
      StringBuilder key = new StringBuilder();
      toParley(m).forEach(p -> key.append(MemoryWindows.key(p)).append('\u0001'));
      keys.add(key.toString());
    }
    return keys;
  }

  static Message toSpring(Model.Message m) {
    return switch (m.role()) {
      case "system" -> new SystemMessage(m.content());
      case "assistant" -> {
        if (m.toolCalls() == null || m.toolCalls().isEmpty()) {
          yield new AssistantMessage(m.content());
        }
        List<AssistantMessage.ToolCall> calls = new ArrayList<>();
        m.toolCalls().forEach(c -> calls.add(new AssistantMessage.ToolCall(c.id(), "function", c.function().name(),
            c.function().arguments())));
        yield AssistantMessage.builder().content(m.content()).toolCalls(calls).build();
      }
      default -> new UserMessage(m.content());
    };
  }

  /** One Spring AI message as Parley messages (a tool response message holds one result per call). */
  static List<NewMessage> toParley(Message m) {
    if (m instanceof SystemMessage s) {
      return List.of(NewMessage.system(s.getText()));
    }
    if (m instanceof AssistantMessage a) {
      if (!a.hasToolCalls()) {
        return List.of(NewMessage.assistant(a.getText()));
      }
      List<Model.ToolCall> calls = new ArrayList<>();
      a.getToolCalls().forEach(c -> calls.add(new Model.ToolCall(c.id(), "function",
          new Model.ToolCall.Function(c.name(), c.arguments()))));
      return List.of(new NewMessage("assistant", a.getText() == null ? "" : a.getText(), null, calls, null));
    }
    if (m instanceof ToolResponseMessage t) {
      List<NewMessage> results = new ArrayList<>();
      t.getResponses().forEach(r -> results.add(new NewMessage("tool", r.responseData(),
          Map.of("tool_name", r.name()), null, r.id())));
      return results;
    }
    if (m instanceof UserMessage u) {
      return List.of(NewMessage.user(u.getText()));
    }
    throw new IllegalArgumentException("Parley keeps system, user, assistant and tool messages, not "
        + m.getMessageType());
  }
}
