package dev.parley.http;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.core.json.jackson.JacksonCodec;

/**
 * Encodes response bodies with Jackson's streaming generator. {@code JsonObject.toBuffer()} goes
 * through the databind codec whenever jackson-databind is on the class path (it is, for metrics and
 * logs), which looks up a serializer for every value: about a fifth of the encoding's cost in a
 * history page. The bytes are the same (JsonBodiesTest).
 */
final class JsonBodies {

  private static final JacksonCodec STREAMING = new JacksonCodec();

  private JsonBodies() {
  }

  static Buffer encode(JsonObject json) {
    return STREAMING.toBuffer(json, false);
  }

  static String encodeToString(JsonObject json) {
    return STREAMING.toString(json, false);
  }
}
