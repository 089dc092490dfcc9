package dev.parley.ops;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.micrometer.backends.BackendRegistries;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Parley's own metrics, registered in the node's Micrometer registry (scraped at /metrics) next to
 * Vert.x's HTTP, event-bus and pool metrics. Base units, _total counters, and never a user id in a
 * label: labels are providers, models, statuses and outcomes only.
 */
public final class ParleyMetrics {

  private static final String STATE = "parley.state";

  private final MeterRegistry registry;
  private final Counter appended;
  private final Counter created;
  private final Counter messagesDeleted;
  private final Counter anonymousIssued;
  private final Counter anonymousClaimed;
  private final Counter replays;
  private final DistributionSummary appendBatches;
  private final Counter appendBatchesSplit;
  /** Meters by name and tags, so hot paths do not rebuild their ids on every request. */
  private final Map<String, Counter> counters = new ConcurrentHashMap<>();
  private final Map<String, Timer> timers = new ConcurrentHashMap<>();

  private ParleyMetrics(MeterRegistry registry) {
    this.registry = registry;
    appended = Counter.builder("parley.messages.appended").description("Messages stored").register(registry);
    // Not "...created": Prometheus reserves the _created suffix.
    created = Counter.builder("parley.conversations.new").description("Conversations created").register(registry);
    messagesDeleted = Counter.builder("parley.messages.deleted").description("Messages deleted one by one")
        .register(registry);
    anonymousIssued = Counter.builder("parley.anonymous.issued").description("Anonymous principals issued a token")
        .register(registry);
    anonymousClaimed = Counter.builder("parley.anonymous.claimed")
        .description("Claims of anonymous principals by signed-in users").register(registry);
    replays = Counter.builder("parley.idempotent.replays").description("Responses replayed for an Idempotency-Key")
        .register(registry);
    appendBatches = DistributionSummary.builder("parley.append.batch.size")
        .description("Appends committed per transaction (group commit); count is transactions, sum appends")
        .register(registry);
    appendBatchesSplit = Counter.builder("parley.append.batch.split")
        .description("Group-commit batches rolled back and run again one append at a time").register(registry);
  }

  private Counter counter(String name, String description, String... tags) {
    return counters.computeIfAbsent(name + String.join(",", tags),
        k -> Counter.builder(name).description(description).tags(tags).register(registry));
  }

  /** The node's metrics (metrics.registry names its registry); a private registry when metrics are off. */
  public static ParleyMetrics of(Vertx vertx, JsonObject config) {
    String name = config.getJsonObject("metrics", new JsonObject()).getString("registry", "");
    MeterRegistry registry = name.isEmpty() ? null : BackendRegistries.getNow(name);
    ParleyMetrics metrics = new ParleyMetrics(registry == null ? new SimpleMeterRegistry() : registry);
    // Verticles on several event loops start at once: register the node's gauges once, not once each.
    synchronized (metrics.registry) {
      for (NodeState.Backend backend : NodeState.Backend.values()) {
        metrics.degradedGauge(vertx, backend);
      }
    }
    return metrics;
  }

  private void degradedGauge(Vertx vertx, NodeState.Backend backend) {
    if (registry.find("parley.degraded").tag("component", backend.label()).gauge() != null) {
      return; // registered by another verticle of this node
    }
    Gauge.builder("parley.degraded", () -> NodeState.degraded(vertx, backend) ? 1 : 0)
        .description("1 while the component is unreachable and Parley works around it")
        .tag("component", backend.label())
        .register(registry);
  }


  public void messagesAppended(int count) {
    appended.increment(count);
  }

  /** One append transaction committed with {@code appends} appends in it. */
  public void appendBatch(int appends) {
    appendBatches.record(appends);
  }

  /** A batch whose statement failed, run again one append at a time. */
  public void appendBatchSplit() {
    appendBatchesSplit.increment();
  }

  /** An API request answered 503 overloaded at the door. */
  public void shed() {
    counter("parley.http.shed", "API requests refused with 503 because the node had http.max_in_flight in flight").increment();
  }

  public void conversationCreated() {
    created.increment();
  }

  public void messageDeleted() {
    messagesDeleted.increment();
  }

  /** result: ran, skipped (another node holds the run), failed. */
  public void maintenanceRun(String result) {
    registry.counter("parley.maintenance.runs", "result", result).increment();
  }

  /** kind: conversations, messages, anonymous_users. */
  public void maintenancePurged(String kind, int count) {
    registry.counter("parley.maintenance.purged", "kind", kind).increment(count);
  }

  /** outcome: archived, restored. */
  public void archived(String outcome) {
    registry.counter("parley.archive.conversations", "outcome", outcome).increment();
  }

  public void anonymousIssued() {
    anonymousIssued.increment();
  }

  public void anonymousClaimed() {
    anonymousClaimed.increment();
  }

  /** outcome: ok, client_error, rate_limited, provider_error, interrupted, error. */
  public void chatTurn(String outcome) {
    counter("parley.chat.turns", "Chat turns by outcome", "outcome", outcome).increment();
  }

  public void llmCall(String provider, String model, String status, long latencyMs, Integer promptTokens,
                      Integer completionTokens) {
    counter("parley.llm.calls", "Provider call attempts", "provider", provider, "model", model, "status", status)
        .increment();
    timers.computeIfAbsent(provider + "," + model, k -> Timer.builder("parley.llm.latency")
            .description("Provider call latency").publishPercentileHistogram()
            .tags("provider", provider, "model", model).register(registry))
        .record(Duration.ofMillis(latencyMs));
    if (promptTokens != null) {
      tokens(provider, model, "prompt", promptTokens);
    }
    if (completionTokens != null) {
      tokens(provider, model, "completion", completionTokens);
    }
  }

  private void tokens(String provider, String model, String kind, int count) {
    counter("parley.llm.tokens", "LLM tokens by kind", "provider", provider, "model", model, "kind", kind).increment(count);
  }

  /** result: hit, miss, error. */
  public void cache(String result) {
    counter("parley.cache.requests", "History cache lookups and Redis errors", "result", result).increment();
  }

  /** scope: user_requests, user_tokens, model_requests, model_tokens, model_concurrency. */
  public void rateLimited(String scope) {
    counter("parley.rate_limit.rejections", "Requests refused by a rate limit", "scope", scope).increment();
  }

  public void idempotentReplay() {
    replays.increment();
  }
}
