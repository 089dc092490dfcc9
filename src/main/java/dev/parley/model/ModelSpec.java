package dev.parley.model;

import io.vertx.core.json.JsonObject;

/** A model Parley can call: its provider, upstream id, context window and per-model limits (0 = unlimited). */
public record ModelSpec(String name, String provider, String upstream, int contextWindow, int maxOutputTokens,
                        int rpm, int tpm, int maxConcurrent) {

  static ModelSpec fromJson(JsonObject json) {
    return new ModelSpec(json.getString("name"), json.getString("provider"), json.getString("upstream"),
        json.getInteger("context_window"), json.getInteger("max_output_tokens"),
        json.getInteger("rpm", 0), json.getInteger("tpm", 0), json.getInteger("max_concurrent", 0));
  }

  public JsonObject toJson() {
    return new JsonObject().put("name", name).put("provider", provider).put("upstream", upstream)
        .put("context_window", contextWindow).put("max_output_tokens", maxOutputTokens)
        .put("rpm", rpm).put("tpm", tpm).put("max_concurrent", maxConcurrent);
  }
}
