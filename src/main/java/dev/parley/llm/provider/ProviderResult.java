package dev.parley.llm.provider;

import io.vertx.core.json.JsonArray;

/** What a provider answered: text, tool calls (may be null), the provider's own usage counts. */
public record ProviderResult(String content, JsonArray toolCalls, int promptTokens, int completionTokens,
                             String finishReason) {
}
