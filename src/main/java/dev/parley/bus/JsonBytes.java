package dev.parley.bus;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.EncodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.core.json.jackson.JacksonCodec;

import java.io.IOException;
import java.io.OutputStream;

/**
 * JSON bytes for bodies and replies, written with Jackson's streaming generator.
 * {@code JsonObject.toBuffer()} goes through the databind codec whenever jackson-databind is on the
 * class path (it is, for metrics and logs), which looks up a serializer for every value: about a
 * fifth of the encoding's cost in a history page. The bytes are the same (JsonBytesTest). Hot paths
 * that have their data in another shape (rows) write it straight through {@link #write}, with no
 * JsonObject in between.
 */
public final class JsonBytes {

  private static final JacksonCodec STREAMING = new JacksonCodec();
  private static final JsonFactory FACTORY = new JsonFactory();

  /** Writes one JSON value with the generator. */
  @FunctionalInterface
  public interface Writer {
    void write(JsonGenerator json) throws IOException;
  }

  private JsonBytes() {
  }

  public static Buffer encode(JsonObject json) {
    return STREAMING.toBuffer(json, false);
  }

  public static String encodeToString(JsonObject json) {
    return STREAMING.toString(json, false);
  }

  /** The bytes {@code writer} writes, in a buffer of about {@code sizeHint} bytes to start with. */
  public static Buffer write(int sizeHint, Writer writer) {
    Buffer out = Buffer.buffer(sizeHint);
    try (JsonGenerator json = FACTORY.createGenerator(new BufferStream(out))) {
      writer.write(json);
    } catch (IOException e) {
      throw new EncodeException(e.getMessage());
    }
    return out;
  }

  /** Any JSON value Vert.x knows (JsonObject, JsonArray, strings, numbers, booleans, null), as JsonObject would write it. */
  public static void value(JsonGenerator json, Object value) {
    JacksonCodec.encodeJson(value, json);
  }

  /** Appends to a Vert.x buffer; the generator buffers, so this sees a few large writes. */
  private static final class BufferStream extends OutputStream {
    private final Buffer out;

    BufferStream(Buffer out) {
      this.out = out;
    }

    @Override
    public void write(int b) {
      out.appendByte((byte) b);
    }

    @Override
    public void write(byte[] bytes, int offset, int length) {
      out.appendBytes(bytes, offset, length);
    }
  }
}
