package dev.parley.bus;

/** Every event-bus address Parley serves. Payloads are JSON; see docs/event-bus.md. */
public final class Addresses {

  public static final String CONVERSATIONS_CREATE = "parley.conversations.create";
  public static final String CONVERSATIONS_LIST = "parley.conversations.list";
  public static final String CONVERSATIONS_GET = "parley.conversations.get";
  public static final String CONVERSATIONS_UPDATE = "parley.conversations.update";
  public static final String CONVERSATIONS_DELETE = "parley.conversations.delete";
  public static final String MESSAGES_APPEND = "parley.messages.append";
  public static final String MESSAGES_LIST = "parley.messages.list";
  public static final String USERS_ERASE = "parley.users.erase";
  public static final String STORE_HEALTH = "parley.store.health";

  private Addresses() {
  }
}
