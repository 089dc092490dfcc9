package dev.parley.bus;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** The streaming encoder writes exactly the bytes JsonObject's own encoding does, for what Parley sends. */
class JsonBytesTest {

  @Test
  @DisplayName("Same bytes as JsonObject.toBuffer for strings (escapes, Unicode, emoji), numbers, nulls, nesting")
  void sameBytes() {
    JsonObject message = new JsonObject()
        .put("id", "0a1b2c3d-0000-4000-8000-000000000001").put("object", "message").put("seq", 9_007_199_254_740_993L)
        .put("content", "quote \" backslash \\ newline \n tab \t bell \u0007 nul-free é 漢字 😀 </script>")
        .put("token_count", 42).put("model", null).put("sources", new JsonArray().add("a").add(1).add(2.5).addNull())
        .put("metadata", new JsonObject().put("nested", new JsonObject().put("deep", true)).put("list", new JsonArray()))
        .put("tool_calls", new JsonArray().add(new JsonObject().put("id", "call_1").put("arguments", "{\"x\":1}")))
        .put("ratio", 0.1).put("big", 1e300).put("negative", -0.0).put("flag", false);
    JsonObject page = new JsonObject().put("object", "list").put("data", new JsonArray().add(message).add(message.copy()))
        .put("has_more", true);
    for (JsonObject json : new JsonObject[] {message, page, new JsonObject()}) {
      assertArrayEquals(json.toBuffer().getBytes(), JsonBytes.encode(json).getBytes(), json.encode());
      assertEquals(json.encode(), JsonBytes.encodeToString(json));
    }
  }
}
