package dev.parley.http;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import dev.parley.bus.Problem;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.json.jackson.JacksonCodec;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * JSON as clients must send it: valid UTF-8 (no overlong forms, no encoded surrogates, nothing
 * truncated), no duplicate keys, no number too large to be finite. Anything else is a 400 problem,
 * where a lenient parser would have stored something other than what was sent.
 */
final class StrictJson {

  private static final JsonFactory FACTORY = JsonFactory.builder()
      .enable(com.fasterxml.jackson.core.StreamReadFeature.STRICT_DUPLICATE_DETECTION)
      .build();

  private StrictJson() {
  }

  static Object parse(Buffer bytes) {
    String text;
    try {
      text = StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes.getBytes())).toString();
    } catch (CharacterCodingException e) {
      throw Problem.invalid("", "The request body is not valid UTF-8");
    }
    Object json;
    try (JsonParser parser = FACTORY.createParser(text)) {
      json = JacksonCodec.fromParser(parser, Object.class);
    } catch (DecodeException | IOException e) {
      String why = e.getMessage() != null && e.getMessage().contains("Duplicate field")
          ? "The request body has a duplicate key" : "The request body is not valid JSON";
      throw Problem.invalid("", why);
    }
    checkFinite(json, "");
    return json;
  }

  private static void checkFinite(Object value, String pointer) {
    if (value instanceof Double d && !Double.isFinite(d) || value instanceof Float f && !Float.isFinite(f)) {
      throw Problem.invalid(pointer, "Numbers must be finite");
    }
    if (value instanceof JsonObject o) {
      for (Map.Entry<String, Object> e : o) {
        checkFinite(e.getValue(), pointer + "/" + e.getKey().replace("~", "~0").replace("/", "~1"));
      }
    } else if (value instanceof JsonArray a) {
      for (int i = 0; i < a.size(); i++) {
        checkFinite(a.getValue(i), pointer + "/" + i);
      }
    }
  }
}
