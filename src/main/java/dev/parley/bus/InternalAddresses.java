package dev.parley.bus;

/**
 * Parley's own plumbing between its verticles, under {@code parley.internal.}: not an API, may
 * change in any release, documented in docs/architecture.md. Callers are Parley's verticles.
 */
public final class InternalAddresses {

  public static final String PREFIX = "parley.internal.";

  /** Store: the newest messages of a conversation that fit a token room (context assembly). */
  public static final String MESSAGES_CONTEXT = PREFIX + "messages.context";
  /** Prefix of the addresses an HTTP stream receives a turn's deltas on (local to its node). */
  public static final String STREAM_PREFIX = PREFIX + "stream.";
  /**
   * Prefix of the address each committed change of a conversation is published on, cluster-wide,
   * for the nodes that serve its follows (the one internal address other nodes receive).
   */
  public static final String EVENTS_PREFIX = PREFIX + "events.";
  /** Store: a newer rolling summary of a conversation. */
  public static final String CONVERSATIONS_SUMMARY = PREFIX + "conversations.summary";
  /** Retires a conversation's cache entries (user header: its owner): {id} → 204. */
  public static final String CONVERSATIONS_INVALIDATE = PREFIX + "conversations.invalidate";
  /** Store: a chat turn's idempotency key, claimed under a lease for one attempt. */
  public static final String IDEMPOTENCY_CLAIM = PREFIX + "idempotency.claim";
  public static final String IDEMPOTENCY_COMPLETE = PREFIX + "idempotency.complete";
  public static final String IDEMPOTENCY_RELEASE = PREFIX + "idempotency.release";
  public static final String IDEMPOTENCY_RENEW = PREFIX + "idempotency.renew";
  /** Store: a chat turn's own appends (its user message, its answer), with the key's bookkeeping. */
  public static final String TURN_APPEND = PREFIX + "turn.append";
  /** Store: a turn's stored messages by its id (the user message's id): {turn_id} → {conversation_id, user_message, message}. */
  public static final String TURN_ANSWER = PREFIX + "turn.answer";
  /** Chat: a streamed turn followed again from its turn log: {turn_id, after} with a stream-address. */
  public static final String TURNS_FOLLOW = PREFIX + "turns.follow";
  /**
   * Prefix of the address a running streamed turn listens on for its cancellation, cluster-wide
   * (the request may reach any node): {@code <prefix><turn id>}, with the user header; 204.
   */
  public static final String TURN_CANCEL_PREFIX = PREFIX + "turns.cancel.";
  /** Store: whether the database answers (readiness). */
  public static final String STORE_HEALTH = PREFIX + "store.health";
  /** Runs the maintenance job now (if no node runs it): {} → {ran, conversations, messages, anonymous_users}. */
  public static final String MAINTENANCE_RUN = PREFIX + "maintenance.run";
  /** LLM: one completion against a model named in the request. */
  public static final String LLM_COMPLETE = PREFIX + "llm.complete";
  /** Store: one provider call attempt for the call log (fire and forget). */
  public static final String LLM_CALLS_RECORD = PREFIX + "llm.calls.record";

  /** Whether a stream address belongs to this node's HTTP streams (sent to local-only) or to a bus caller. */
  public static boolean isLocalStream(String address) {
    return address.startsWith(STREAM_PREFIX);
  }

  private InternalAddresses() {
  }
}
