package dev.parley.bus;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.MessageCodec;

/**
 * A reply that is already JSON bytes, handed over without a copy to a caller in the same node (the
 * default Buffer codec copies). Only ever used for local replies to callers that asked for bytes
 * ({@link BusHeaders#ACCEPT_BYTES}); across a cluster a reply is JSON.
 */
public final class BytesReplyCodec implements MessageCodec<Buffer, Buffer> {

  public static final String NAME = "parley-bytes";

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

  @Override
  public Buffer transform(Buffer bytes) {
    return bytes;
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public byte systemCodecID() {
    return -1;
  }
}
