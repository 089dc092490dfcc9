package dev.parley.store;

import java.util.UUID;

/**
 * An operation met a conversation whose messages are in cold storage: the store restores it and
 * runs the operation again ({@link ColdArchive#restore}); it never reaches a caller.
 */
final class ColdConversation extends RuntimeException {

  ColdConversation(UUID conversation) {
    super("Conversation " + conversation + " is in cold storage", null, false, false);
  }
}
