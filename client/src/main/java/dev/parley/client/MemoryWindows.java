package dev.parley.client;

import java.util.List;

/**
 * What a chat-memory library's window adds to a stored history. Such libraries hand a store the
 * whole window — the newest messages they kept (perhaps a system message in front), then what they
 * added — and expect the store to replace what it had. Parley keeps the whole history instead and
 * appends only what is new: the window's front that lines up with a run of the history is stored
 * already. The run may end before the history does, when another writer appended meanwhile: both
 * writers' messages are kept, neither twice. Messages are compared by a key (role and content).
 */
public final class MemoryWindows {

  private MemoryWindows() {
  }

  /** The Idempotency-Key that makes a memory's conversation: the same for every writer of that memory id. */
  public static String conversationKey(String memoryId) {
    try {
      byte[] hash = java.security.MessageDigest.getInstance("SHA-256")
          .digest(memoryId.getBytes(java.nio.charset.StandardCharsets.UTF_8));
      return "memory-" + java.util.HexFormat.of().formatHex(hash);
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The key a message is compared by: its role, content, the call it answers and the calls it makes. */
  public static String key(Model.NewMessage m) {
    StringBuilder key = new StringBuilder(m.role()).append('\u0000').append(m.content()).append('\u0000')
        .append(m.toolCallId() == null ? "" : m.toolCallId());
    if (m.toolCalls() != null) {
      m.toolCalls().forEach(c -> key.append('\u0000').append(c.id()));
    }
    return key.toString();
  }

  /** Where the new messages of {@code window} start (its size: nothing is new). */
  public static int newFrom(List<String> history, List<String> window, boolean firstIsKeptSystem) {
    return align(history, window, firstIsKeptSystem)[0];
  }

  /**
   * {new, start}: where the new messages of {@code window} start, and the index in {@code history}
   * of the first stored message the window holds besides a kept system message (-1: none, the
   * window's stored part is only that, or nothing lines up).
   */
  public static int[] align(List<String> history, List<String> window, boolean firstIsKeptSystem) {
    if (history.isEmpty() || window.isEmpty()) {
      return new int[] {0, -1};
    }
    int skip = firstIsKeptSystem && history.contains(window.get(0)) ? 1 : 0;
    for (int front = window.size(); front > skip; front--) {
      for (int end = history.size() - 1; end >= front - skip - 1; end--) {
        if (runEndsAt(history, end, window, skip, front)) {
          return new int[] {front, end - (front - skip) + 1};
        }
      }
    }
    // Nothing lines up (all evicted, or rewritten): the whole window is new.
    return new int[] {skip, -1};
  }

  /** Whether window[skip..front) equals history[end-(front-skip)+1 .. end]. */
  private static boolean runEndsAt(List<String> history, int end, List<String> window, int skip, int front) {
    int h = end;
    for (int w = front - 1; w >= skip; w--, h--) {
      if (h < 0 || !history.get(h).equals(window.get(w))) {
        return false;
      }
    }
    return true;
  }
}
