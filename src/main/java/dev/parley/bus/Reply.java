package dev.parley.bus;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.impl.clustered.ClusteredMessage;
import io.vertx.core.json.JsonObject;

/**
 * A successful answer on the bus: the HTTP status it stands for and its JSON body (null for 204).
 * A hot read may carry its body as JSON bytes instead ({@code bytes}, with {@code json} null): the
 * HTTP edge sends them as they are, any other caller gets them as a JSON object.
 */
public record Reply(int status, JsonObject json, boolean replayed, Buffer bytes) {

  public Reply(int status, JsonObject body, boolean replayed) {
    this(status, body, replayed, null);
  }

  public static Reply ok(JsonObject body) {
    return new Reply(200, body, false);
  }

  /** 200 with a body that is already encoded JSON (an object). */
  public static Reply ok(Buffer jsonBytes) {
    return new Reply(200, null, false, jsonBytes);
  }

  public static Reply created(JsonObject body) {
    return new Reply(201, body, false);
  }

  public static Reply noContent() {
    return new Reply(204, null, false);
  }

  /** The body as a JSON object (decoded from the bytes of a reply that carries bytes); null for 204. */
  public JsonObject body() {
    return json != null || bytes == null ? json : new JsonObject(bytes);
  }

  /** Answers {@code message} (only through {@link BusEndpoint}, which registers the codecs). */
  void sendTo(Message<?> message) {
    DeliveryOptions options = new DeliveryOptions().addHeader(BusHeaders.STATUS, Integer.toString(status));
    if (replayed) {
      options.addHeader(BusHeaders.REPLAYED, "true");
    }
    boolean local = !fromAnotherNode(message);
    if (bytes != null && local && "true".equals(message.headers().get(BusHeaders.ACCEPT_BYTES))) {
      message.reply(bytes, options.setCodecName(BytesReplyCodec.NAME));
      return;
    }
    JsonObject body = body();
    if (body != null && local) {
      // Handed over without a copy; a reply to another JVM uses the default JSON codec, so any
      // cluster member can read it without knowing Parley's codec.
      options.setCodecName(JsonReplyCodec.NAME);
    }
    message.reply(body, options);
  }

  /** Whether {@code message} came over the wire from another node of a cluster. */
  static boolean fromAnotherNode(Message<?> message) {
    return message instanceof ClusteredMessage<?, ?> clustered && clustered.isFromWire();
  }

  /** Reads a reply back from a bus answer. */
  public static Reply from(Message<Object> message) {
    String status = message.headers().get(BusHeaders.STATUS);
    Object body = message.body();
    return new Reply(status == null ? 200 : Integer.parseInt(status),
        body instanceof JsonObject json ? json : null,
        "true".equals(message.headers().get(BusHeaders.REPLAYED)),
        body instanceof Buffer bytes ? bytes : null);
  }
}
