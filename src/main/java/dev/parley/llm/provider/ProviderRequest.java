package dev.parley.llm.provider;

import dev.parley.model.ModelSpec;
import io.vertx.core.json.JsonArray;

/**
 * One call to a provider: the system prompt (may be null) and the conversation messages, oldest
 * first, each {role, content}.
 */
public record ProviderRequest(ModelSpec model, String system, JsonArray messages, int maxOutputTokens, boolean stream) {
}
