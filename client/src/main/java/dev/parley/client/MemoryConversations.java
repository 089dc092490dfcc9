package dev.parley.client;

import dev.parley.client.Model.Conversation;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The conversations that hold chat-memory libraries' memories: a memory id is the user's
 * conversation whose metadata {@code memory_id} is that id, found by listing once and then
 * remembered, made on first write under an Idempotency-Key derived from the id (writers that make
 * it at once get the same one). Shared by the LangChain4j and Spring AI adapters.
 */
public final class MemoryConversations {

  /** Conversation metadata: the memory id it holds. */
  public static final String MEMORY_ID = "memory_id";

  private final ParleyClient parley;
  private final Map<String, UUID> known = new ConcurrentHashMap<>();

  public MemoryConversations(ParleyClient parley) {
    this.parley = parley;
  }

  /** The memory's conversation, or null when it has none yet. */
  public UUID find(String memoryId) {
    UUID remembered = known.get(memoryId);
    if (remembered != null) {
      return remembered;
    }
    for (Conversation c : parley.conversations()) {
      if (memoryId.equals(String.valueOf(c.metadata().get(MEMORY_ID)))) {
        known.put(memoryId, c.id());
        return c.id();
      }
    }
    return null;
  }

  /** The memory's conversation, made when it has none. */
  public UUID findOrCreate(String memoryId) {
    UUID found = find(memoryId);
    if (found != null) {
      return found;
    }
    UUID made = parley.createConversation(null, Map.of(MEMORY_ID, memoryId),
        MemoryWindows.conversationKey(memoryId)).id();
    known.put(memoryId, made);
    return made;
  }

  /** Every memory id of the user. */
  public List<String> ids() {
    List<String> ids = new ArrayList<>();
    for (Conversation c : parley.conversations()) {
      Object id = c.metadata().get(MEMORY_ID);
      if (id != null) {
        ids.add(id.toString());
        known.putIfAbsent(id.toString(), c.id());
      }
    }
    return ids;
  }

  /** Forgets a memory's conversation (deleted). */
  public void forget(String memoryId) {
    known.remove(memoryId);
  }
}
