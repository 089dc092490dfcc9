package dev.parley.bus;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;

/**
 * JSON bodies that are handed over, not copied, on local delivery: the default JsonObject codec
 * deep-copies every body, which for a page of twenty messages cost more than the database query.
 * Safe because a sender never touches a body after sending it. Across a cluster it encodes like
 * the default codec.
 */
public final class JsonReplyCodec extends HandOverCodec<JsonObject> {

  public static final String NAME = "parley-json";

  public JsonReplyCodec() {
    super(NAME);
  }

  @Override
  public void encodeToWire(Buffer buffer, JsonObject json) {
    Buffer encoded = json.toBuffer();
    buffer.appendInt(encoded.length());
    buffer.appendBuffer(encoded);
  }

  @Override
  public JsonObject decodeFromWire(int pos, Buffer buffer) {
    int length = buffer.getInt(pos);
    return new JsonObject(buffer.getBuffer(pos + 4, pos + 4 + length));
  }
}
