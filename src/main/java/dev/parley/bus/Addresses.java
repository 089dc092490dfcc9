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
  public static final String MESSAGES_CONTEXT = "parley.messages.context";
  public static final String CONVERSATIONS_SUMMARY = "parley.conversations.summary";
  public static final String IDEMPOTENCY_CLAIM = "parley.idempotency.claim";
  public static final String IDEMPOTENCY_COMPLETE = "parley.idempotency.complete";
  public static final String IDEMPOTENCY_RELEASE = "parley.idempotency.release";
  public static final String IDEMPOTENCY_RENEW = "parley.idempotency.renew";
  /** Internal: a chat turn's own appends (its user message, its answer), with the key's bookkeeping. */
  public static final String TURN_APPEND = "parley.internal.turn.append";
  public static final String STORE_HEALTH = "parley.store.health";
  public static final String CHAT_TURN = "parley.chat.turn";
  public static final String CHAT_CONTEXT = "parley.chat.context";
  public static final String LLM_COMPLETE = "parley.llm.complete";
  public static final String LLM_CALLS_RECORD = "parley.llm.calls.record";

  private Addresses() {
  }
}
