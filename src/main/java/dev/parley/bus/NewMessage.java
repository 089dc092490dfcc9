package dev.parley.bus;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/** A message about to be appended, validated, with its token count taken. */
public record NewMessage(String role, String content, int tokenCount, String model,
                         JsonArray sources, JsonObject metadata, JsonArray toolCalls, String status) {

  public NewMessage withTokenCount(int count) {
    return new NewMessage(role, content, count, model, sources, metadata, toolCalls, status);
  }
}
