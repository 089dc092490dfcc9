package dev.parley.bus;

/** Event-bus message headers shared by every Parley address. */
public final class BusHeaders {

  /**
   * Request: the user the request acts for (over HTTP, the JWT subject). Every query is scoped by it.
   * Required on every public address; the rule of {@link UserIds}.
   */
  public static final String USER = "user";
  /** Request: the client's Idempotency-Key, on create, append and chat turns. Optional. */
  public static final String IDEMPOTENCY_KEY = "idempotency-key";
  /** Request: a hash of the request that carried the idempotency key. Required with the key. */
  public static final String REQUEST_HASH = "request-hash";
  /** Request: correlation id, carried through to logs. Optional. */
  public static final String REQUEST_ID = "request-id";
  /**
   * Request: the attempt of a chat turn that holds its idempotency key (internal: sent by the chat
   * verticle to the store). A write under an attempt that no longer holds the key is refused.
   */
  public static final String TURN_ATTEMPT = "turn-attempt";
  /** Request: a local address that receives {"delta": text} messages while a turn streams; each is acked. */
  public static final String STREAM_ADDRESS = "stream-address";
  /**
   * Request, internal: "true" from Parley's own HTTP edge, which takes a reply that is already JSON
   * bytes as it is (no JSON object built only to be encoded again). Other callers get JSON objects.
   */
  public static final String ACCEPT_BYTES = "parley-accept-bytes";
  /** Reply: the HTTP status the reply stands for (200, 201, 204). */
  public static final String STATUS = "status";
  /** Reply: "true" when the reply is a stored response replayed for an idempotency key. */
  public static final String REPLAYED = "idempotent-replayed";

  private BusHeaders() {
  }
}
