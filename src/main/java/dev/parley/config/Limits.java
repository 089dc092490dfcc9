package dev.parley.config;

import io.vertx.core.json.JsonObject;

/** Input limits from the {@code limits} section of the configuration. */
public record Limits(int bodyBytes, int messagesPerRequest, int contentChars, int titleChars,
                     int metadataKeys, int metadataKeyChars, int metadataValueChars) {

  public static Limits from(JsonObject limits) {
    return new Limits(
        limits.getInteger("body_bytes"),
        limits.getInteger("messages_per_request"),
        limits.getInteger("content_chars"),
        limits.getInteger("title_chars"),
        limits.getInteger("metadata_keys"),
        limits.getInteger("metadata_key_chars"),
        limits.getInteger("metadata_value_chars"));
  }
}
