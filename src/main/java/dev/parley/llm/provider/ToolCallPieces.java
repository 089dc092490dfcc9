package dev.parley.llm.provider;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Tool calls put together from streamed pieces, by index: the id and name from a call's first
 * piece, its arguments concatenated. The result is in OpenAI's shape whichever protocol streamed it.
 */
final class ToolCallPieces {

  private final List<String[]> calls = new ArrayList<>();
  private final List<StringBuilder> arguments = new ArrayList<>();

  void add(int index, String id, String name, String argumentsPiece) {
    while (calls.size() <= index) {
      calls.add(new String[2]);
      arguments.add(new StringBuilder());
    }
    String[] call = calls.get(index);
    if (id != null) {
      call[0] = id;
    }
    if (name != null) {
      call[1] = call[1] == null ? name : call[1] + name;
    }
    if (argumentsPiece != null) {
      arguments.get(index).append(argumentsPiece);
    }
  }

  /** The calls so far, or null when there are none. */
  JsonArray calls() {
    if (calls.isEmpty()) {
      return null;
    }
    JsonArray out = new JsonArray();
    for (int i = 0; i < calls.size(); i++) {
      String[] call = calls.get(i);
      out.add(call(call[0], call[1], arguments.get(i).toString()));
    }
    return out;
  }

  /** One tool call in OpenAI's shape; a provider that gave no id gets one, so that its result can name it. */
  static JsonObject call(String id, String name, String arguments) {
    return new JsonObject().put("id", id == null || id.isEmpty() ? "call_" + UUID.randomUUID().toString().replace("-", "") : id)
        .put("type", "function")
        .put("function", new JsonObject().put("name", name == null ? "" : name)
            .put("arguments", arguments == null || arguments.isEmpty() ? "{}" : arguments));
  }
}
