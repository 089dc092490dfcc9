package dev.parley.ops;

import dev.parley.cache.RedisGate;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.micrometer.backends.BackendRegistries;

import java.time.Duration;

/**
 * Parley's own metrics, registered in the node's Micrometer registry (scraped at /metrics) next to
 * Vert.x's HTTP, event-bus and pool metrics. Base units, _total counters, and never a user id in a
 * label: labels are providers, models, statuses and outcomes only.
 */
public final class ParleyMetrics {

  private static final String STATE = "parley.state";

  private final MeterRegistry registry;

  private ParleyMetrics(MeterRegistry registry) {
    this.registry = registry;
  }

  /** The node's metrics (metrics.registry names its registry); a private registry when metrics are off. */
  public static ParleyMetrics of(Vertx vertx, JsonObject config) {
    String name = config.getJsonObject("metrics", new JsonObject()).getString("registry", "");
    MeterRegistry registry = name.isEmpty() ? null : BackendRegistries.getNow(name);
    ParleyMetrics metrics = new ParleyMetrics(registry == null ? new SimpleMeterRegistry() : registry);
    metrics.degradedGauge(vertx, "redis");
    metrics.degradedGauge(vertx, "postgres");
    return metrics;
  }

  private void degradedGauge(Vertx vertx, String component) {
    Gauge.builder("parley.degraded", () -> degraded(vertx, component) ? 1 : 0)
        .description("1 while the component is unreachable and Parley works around it")
        .tag("component", component)
        .register(registry);
  }

  /** Marks or clears PostgreSQL trouble for the degraded gauge. */
  public static void postgresDegraded(Vertx vertx, boolean degraded) {
    if (degraded) {
      vertx.sharedData().getLocalMap(STATE).put("postgres-degraded", true);
    } else if (vertx.sharedData().getLocalMap(STATE).get("postgres-degraded") != null) {
      vertx.sharedData().getLocalMap(STATE).remove("postgres-degraded");
    }
  }

  private static boolean degraded(Vertx vertx, String component) {
    return "redis".equals(component) ? RedisGate.degraded(vertx)
        : vertx.sharedData().getLocalMap(STATE).get("postgres-degraded") != null;
  }

  public void messagesAppended(int count) {
    Counter.builder("parley.messages.appended").description("Messages stored").register(registry).increment(count);
  }

  public void conversationCreated() {
    // Not "...created": Prometheus reserves the _created suffix.
    Counter.builder("parley.conversations.new").description("Conversations created").register(registry).increment();
  }

  /** outcome: ok, client_error, rate_limited, provider_error, interrupted, error. */
  public void chatTurn(String outcome) {
    Counter.builder("parley.chat.turns").description("Chat turns by outcome").tag("outcome", outcome)
        .register(registry).increment();
  }

  public void llmCall(String provider, String model, String status, long latencyMs, Integer promptTokens,
                      Integer completionTokens) {
    Counter.builder("parley.llm.calls").description("Provider call attempts")
        .tags("provider", provider, "model", model, "status", status).register(registry).increment();
    Timer.builder("parley.llm.latency").description("Provider call latency").publishPercentileHistogram()
        .tags("provider", provider, "model", model).register(registry).record(Duration.ofMillis(latencyMs));
    if (promptTokens != null) {
      tokens(provider, model, "prompt", promptTokens);
    }
    if (completionTokens != null) {
      tokens(provider, model, "completion", completionTokens);
    }
  }

  private void tokens(String provider, String model, String kind, int count) {
    Counter.builder("parley.llm.tokens").description("LLM tokens by kind")
        .tags("provider", provider, "model", model, "kind", kind).register(registry).increment(count);
  }

  /** result: hit, miss, error. */
  public void cache(String result) {
    Counter.builder("parley.cache.requests").description("History cache lookups and Redis errors")
        .tag("result", result).register(registry).increment();
  }

  public double cacheCount(String result) {
    Counter counter = registry.find("parley.cache.requests").tag("result", result).counter();
    return counter == null ? 0 : counter.count();
  }

  /** scope: user_requests, user_tokens, model_requests, model_tokens, model_concurrency. */
  public void rateLimited(String scope) {
    Counter.builder("parley.rate_limit.rejections").description("Requests refused by a rate limit")
        .tag("scope", scope).register(registry).increment();
  }

  public void idempotentReplay() {
    Counter.builder("parley.idempotent.replays").description("Responses replayed for an Idempotency-Key")
        .register(registry).increment();
  }
}
