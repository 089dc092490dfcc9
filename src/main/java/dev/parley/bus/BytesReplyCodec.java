package dev.parley.bus;

import io.vertx.core.buffer.Buffer;

/**
 * A reply that is already JSON bytes, handed over without a copy to a caller in the same node (the
 * default Buffer codec copies). Only ever used for local replies to callers that asked for bytes
 * ({@link BusHeaders#ACCEPT_BYTES}); across a cluster a reply is JSON.
 */
public final class BytesReplyCodec extends HandOverCodec<Buffer> {

  public static final String NAME = "parley-bytes";

  public BytesReplyCodec() {
    super(NAME);
  }

  @Override
  public void encodeToWire(Buffer buffer, Buffer bytes) {
    buffer.appendInt(bytes.length());
    buffer.appendBuffer(bytes);
  }

  @Override
  public Buffer decodeFromWire(int pos, Buffer buffer) {
    int length = buffer.getInt(pos);
    return buffer.getBuffer(pos + 4, pos + 4 + length);
  }
}
