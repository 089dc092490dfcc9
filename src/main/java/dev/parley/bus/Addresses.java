package dev.parley.bus;

/**
 * The public event-bus addresses: the operations of the HTTP API, for services in the same JVM or
 * the same cluster. Each takes a request on behalf of the user in the {@code user} header and is
 * validated by exactly the rules of HTTP. Request and reply shapes: {@link Contract}; reference:
 * docs/event-bus.md. Parley's own plumbing lives under {@link InternalAddresses}.
 */
public final class Addresses {

  public static final String CONVERSATIONS_CREATE = "parley.conversations.create";
  public static final String CONVERSATIONS_LIST = "parley.conversations.list";
  public static final String CONVERSATIONS_GET = "parley.conversations.get";
  public static final String CONVERSATIONS_UPDATE = "parley.conversations.update";
  public static final String CONVERSATIONS_DELETE = "parley.conversations.delete";
  /** A live feed of one conversation to the stream-address header's address: {@link Replies.ConversationEvent}. */
  public static final String CONVERSATIONS_FOLLOW = "parley.conversations.follow";
  public static final String MESSAGES_APPEND = "parley.messages.append";
  public static final String MESSAGES_LIST = "parley.messages.list";
  public static final String MESSAGES_GET = "parley.messages.get";
  public static final String MESSAGES_UPDATE = "parley.messages.update";
  public static final String MESSAGES_DELETE = "parley.messages.delete";
  public static final String USERS_ERASE = "parley.users.erase";
  /** Moves an anonymous principal's conversations to the user: {anonymous_token}. */
  public static final String USERS_CLAIM = "parley.users.claim";
  /** Imports the records of an export (NDJSON lines over HTTP): {records: [...]}. */
  public static final String USERS_IMPORT = "parley.users.import";
  /** Full-text search over the user's messages: {@link Requests.Search}. */
  public static final String SEARCH = "parley.search";
  public static final String CHAT_TURN = "parley.chat.turn";
  public static final String CHAT_CONTEXT = "parley.chat.context";
  /** The branches of a conversation. */
  public static final String BRANCHES_LIST = "parley.conversations.branches.list";
  /** A new branch after a message, made current. */
  public static final String BRANCHES_CREATE = "parley.conversations.branches.create";
  /** A new conversation holding the path up to a message. */
  public static final String CONVERSATIONS_FORK = "parley.conversations.fork";
  /** OpenAI's Chat Completions on the bus: stateless, or with a conversation's memory. */
  public static final String CHAT_COMPLETIONS = "parley.chat.completions";
  /** The models a caller may name. */
  public static final String MODELS_LIST = "parley.models.list";

  private Addresses() {
  }
}
