package dev.parley.langchain4j;

import dev.langchain4j.agent.tool.ToolExecutionRequest;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.ChatMessage;
import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.ToolExecutionResultMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.store.memory.chat.ChatMemoryStore;
import dev.parley.client.MemoryConversations;
import dev.parley.client.MemoryWindows;
import dev.parley.client.Model;
import dev.parley.client.Model.NewMessage;
import dev.parley.client.ParleyClient;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * LangChain4j chat memory kept by Parley: each memory id is one of the user's conversations (the
 * one whose metadata {@code memory_id} is that id, made on first use). LangChain4j's memories
 * ({@code MessageWindowChatMemory}, {@code TokenWindowChatMemory}, AI Services) work unchanged.
 *
 * <p>Parley keeps the whole history: {@link #updateMessages} appends only the messages after the
 * last one stored (a window that evicted old messages deletes nothing), with the client's
 * idempotent appends; {@link #getMessages} returns the conversation's current branch, and the memory
 * applies its own window to it. {@link #deleteMessages} deletes the conversation.
 */
public final class ParleyChatMemoryStore implements ChatMemoryStore {

  private final ParleyClient parley;
  private final MemoryConversations conversations;

  public ParleyChatMemoryStore(ParleyClient parley) {
    this.parley = parley;
    this.conversations = new MemoryConversations(parley);
  }

  @Override
  public List<ChatMessage> getMessages(Object memoryId) {
    UUID conversation = conversations.find(String.valueOf(memoryId));
    List<ChatMessage> messages = new ArrayList<>();
    if (conversation != null) {
      for (Model.Message m : parley.messages(conversation)) {
        messages.add(toLangChain4j(m));
      }
    }
    return messages;
  }

  @Override
  public void updateMessages(Object memoryId, List<ChatMessage> messages) {
    UUID conversation = conversations.findOrCreate(String.valueOf(memoryId));
    List<ChatMessage> stored = getMessages(memoryId);
    List<ChatMessage> fresh = newOnes(stored, messages);
    if (!fresh.isEmpty()) {
      List<NewMessage> append = new ArrayList<>(fresh.size());
      fresh.forEach(m -> append.add(toParley(m)));
      for (int i = 0; i < append.size(); i += 20) {
        parley.append(conversation, append.subList(i, Math.min(append.size(), i + 20)));
      }
    }
  }

  @Override
  public void deleteMessages(Object memoryId) {
    UUID conversation = conversations.find(String.valueOf(memoryId));
    if (conversation != null) {
      parley.deleteConversation(conversation);
      conversations.forget(String.valueOf(memoryId));
    }
  }

  /**
   * The messages of {@code memory} that are not stored yet: a memory hands over its whole window,
   * and only what follows its stored front is new ({@link MemoryWindows}: also when another writer
   * appended meanwhile, and for a message said twice).
   */
  static List<ChatMessage> newOnes(List<ChatMessage> stored, List<ChatMessage> memory) {
    if (memory.isEmpty()) {
      return memory;
    }
    int from = MemoryWindows.newFrom(keys(stored), keys(memory), memory.get(0) instanceof SystemMessage);
    return memory.subList(from, memory.size());
  }

  private static List<String> keys(List<ChatMessage> messages) {
    List<String> keys = new ArrayList<>(messages.size());
    messages.forEach(m -> keys.add(MemoryWindows.key(toParley(m))));
    return keys;
  }

  static ChatMessage toLangChain4j(Model.Message m) {
    return switch (m.role()) {
      case "system" -> SystemMessage.from(m.content());
      case "assistant" -> {
        if (m.toolCalls() == null || m.toolCalls().isEmpty()) {
          yield AiMessage.from(m.content());
        }
        List<ToolExecutionRequest> requests = new ArrayList<>();
        m.toolCalls().forEach(c -> requests.add(ToolExecutionRequest.builder().id(c.id()).name(c.function().name())
            .arguments(c.function().arguments()).build()));
        yield m.content() == null || m.content().isBlank() ? AiMessage.from(requests) : AiMessage.from(m.content(), requests);
      }
      case "tool" -> ToolExecutionResultMessage.from(m.toolCallId(), String.valueOf(m.metadata().get("tool_name")),
          m.content());
      default -> UserMessage.from(m.content());
    };
  }

  static NewMessage toParley(ChatMessage m) {
    if (m instanceof SystemMessage s) {
      return NewMessage.system(s.text());
    }
    if (m instanceof AiMessage ai) {
      if (!ai.hasToolExecutionRequests()) {
        return NewMessage.assistant(ai.text());
      }
      List<Model.ToolCall> calls = new ArrayList<>();
      ai.toolExecutionRequests().forEach(r -> calls.add(new Model.ToolCall(r.id(), "function",
          new Model.ToolCall.Function(r.name(), r.arguments()))));
      return new NewMessage("assistant", ai.text() == null ? "" : ai.text(), null, calls, null);
    }
    if (m instanceof ToolExecutionResultMessage result) {
      return new NewMessage("tool", result.text(), Map.of("tool_name", result.toolName()), null, result.id());
    }
    if (m instanceof UserMessage user) {
      return NewMessage.user(user.singleText());
    }
    throw new IllegalArgumentException("Parley keeps system, user, assistant and tool messages, not " + m.type());
  }
}
