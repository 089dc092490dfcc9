package dev.parley.support;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.HashMap;
import java.util.Map;

/** Settings and inputs shared by the chat tests. */
public final class ChatFixtures {

  private ChatFixtures() {
  }

  /** Models for the tests: a normal one per protocol, a tiny window, and one with an RPM limit of 1. */
  public static String models() {
    return new JsonArray()
        .add(model("fake-gpt", "openai", 100_000, 1_000, 0))
        .add(model("claude-fake", "anthropic", 100_000, 1_000, 0))
        .add(model("tiny", "openai", 200, 50, 0))
        .add(model("limited", "openai", 100_000, 1_000, 1))
        .add(model("long", "openai", 1_000_000, 200_000, 0))
        .encode();
  }

  private static JsonObject model(String name, String provider, int window, int maxOutput, int rpm) {
    return new JsonObject().put("name", name).put("provider", provider).put("upstream", name + "-upstream")
        .put("context_window", window).put("max_output_tokens", maxOutput).put("rpm", rpm).put("tpm", 0).put("max_concurrent", 0);
  }

  /** A node talking to {@code fake}, with short time-outs and back-offs so resilience tests run fast. */
  public static Map<String, String> env(FakeProvider fake, Map<String, String> extra) {
    Map<String, String> env = new HashMap<>(fake.env());
    env.put("PARLEY_DEFAULT_MODEL", "fake-gpt");
    env.put("PARLEY_MODELS", models());
    env.put("PARLEY_LLM_FIRST_TOKEN_TIMEOUT_MS", "700");
    env.put("PARLEY_LLM_TOTAL_TIMEOUT_MS", "5000");
    env.put("PARLEY_LLM_BACKOFF_BASE_MS", "20");
    env.put("PARLEY_LLM_BACKOFF_MAX_MS", "2000");
    env.put("PARLEY_LLM_MAX_ATTEMPTS", "3");
    env.put("PARLEY_LLM_BREAKER_FAILURES", "50");
    env.putAll(extra);
    return env;
  }

  /** Text of exactly {@code n} cl100k tokens. */
  public static String tokens(int n) {
    return "a" + " a".repeat(n - 1);
  }

  public static JsonObject userMessage(String content) {
    return new JsonObject().put("role", "user").put("content", content);
  }
}
