package dev.parley.store;

import dev.parley.bus.NewMessage;
import dev.parley.bus.Role;

import java.util.List;

/** Automatic conversation titles, taken from the first user message. */
public final class Titles {

  static final int MAX_CHARS = 50;

  private Titles() {
  }

  /** The title for a conversation whose first user message is in {@code messages}, or null. */
  public static String fromMessages(List<NewMessage> messages) {
    for (NewMessage m : messages) {
      if (m.role() == Role.USER) {
        return fromText(m.content());
      }
    }
    return null;
  }

  /** At most 50 characters, whitespace collapsed, cut at a word boundary when it is longer. */
  public static String fromText(String text) {
    String collapsed = text.strip().replaceAll("\\s+", " ");
    if (collapsed.isEmpty()) {
      return null;
    }
    if (collapsed.codePointCount(0, collapsed.length()) <= MAX_CHARS) {
      return collapsed;
    }
    int end = collapsed.offsetByCodePoints(0, MAX_CHARS);
    String head = collapsed.substring(0, end);
    int space = head.lastIndexOf(' ');
    // The character right after the cut is a space: the whole head is made of complete words.
    if (collapsed.charAt(end) == ' ') {
      return head.strip();
    }
    return (space > 0 ? head.substring(0, space) : head).strip();
  }
}
