package dev.parley.bus;

import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.impl.clustered.ClusteredMessage;
import io.vertx.core.json.JsonObject;

/** A successful answer on the bus: the HTTP status it stands for and its JSON body (null for 204). */
public record Reply(int status, JsonObject body, boolean replayed) {

  public static Reply ok(JsonObject body) {
    return new Reply(200, body, false);
  }

  public static Reply created(JsonObject body) {
    return new Reply(201, body, false);
  }

  public static Reply noContent() {
    return new Reply(204, null, false);
  }

  /** Answers {@code message} (only through {@link BusEndpoint}, which registers the codec). */
  void sendTo(Message<?> message) {
    DeliveryOptions options = new DeliveryOptions().addHeader(BusHeaders.STATUS, Integer.toString(status));
    if (body != null && !fromAnotherNode(message)) {
      // Handed over without a copy; a reply to another JVM uses the default JSON codec, so any
      // cluster member can read it without knowing Parley's codec.
      options.setCodecName(JsonReplyCodec.NAME);
    }
    if (replayed) {
      options.addHeader(BusHeaders.REPLAYED, "true");
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
        "true".equals(message.headers().get(BusHeaders.REPLAYED)));
  }
}
