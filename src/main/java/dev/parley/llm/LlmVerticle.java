package dev.parley.llm;

import dev.parley.bus.Addresses;
import dev.parley.bus.BusEndpoint;
import dev.parley.bus.InternalAddresses;
import dev.parley.bus.Problem;
import dev.parley.bus.ProblemType;
import dev.parley.bus.Reply;
import dev.parley.cache.RedisGate;
import dev.parley.limits.RateLimiter;
import dev.parley.limits.RedisRateLimiter;
import dev.parley.llm.provider.AnthropicProvider;
import dev.parley.llm.provider.OpenAiProvider;
import dev.parley.llm.provider.PlaceholderProvider;
import dev.parley.llm.provider.Provider;
import dev.parley.llm.provider.ProviderException;
import dev.parley.llm.provider.ProviderRequest;
import dev.parley.llm.provider.ProviderResult;
import dev.parley.model.ModelCatalog;
import dev.parley.model.ModelSpec;
import dev.parley.model.TokenCounter;
import dev.parley.ops.ParleyMetrics;
import dev.parley.resilience.CircuitBreaker;
import dev.parley.resilience.RetryPolicy;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;

/**
 * Serves parley.internal.llm.complete: one completion against the model's provider, within the
 * model's RPM, TPM and concurrency limits, with retries, a circuit breaker per provider, streamed
 * deltas forwarded to the caller's stream address, and one call-log record per attempt. RPM and
 * TPM count in Redis (cluster-wide; per node without it); concurrent calls and the breakers are
 * this node's. One instance per node.
 */
public final class LlmVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(LlmVerticle.class);

  private final Map<String, Provider> providers = new HashMap<>();
  private final Map<String, CircuitBreaker> breakers = new HashMap<>();
  private final Map<String, Integer> inFlight = new HashMap<>();
  private final Map<Job, Provider.Call> activeCalls = new IdentityHashMap<>();
  private ModelCatalog catalog;
  private RateLimiter limiter;
  private Optional<RedisGate> redis;
  private ParleyMetrics metrics;
  private RetryPolicy retries;
  private HttpClient http;
  private long streamStallMs;

  /** Deltas sent to a stream before its client has read them, at most. */
  static final int DELTAS_AHEAD = 8;

  private final LongSupplier clockMs;

  public LlmVerticle() {
    this(System::currentTimeMillis);
  }

  /** With the clock the breakers and the local model limits read (tests move it instead of waiting). */
  LlmVerticle(LongSupplier clockMs) {
    this.clockMs = clockMs;
  }

  @Override
  public Future<?> start() {
    JsonObject config = config();
    JsonObject llm = config.getJsonObject("llm");
    long firstToken = llm.getLong("first_token_timeout_ms");
    long total = llm.getLong("total_timeout_ms");
    streamStallMs = config.getJsonObject("chat").getLong("stream_stall_ms");
    HttpClientOptions clientOptions = new HttpClientOptions()
        .setConnectTimeout(llm.getInteger("connect_timeout_ms"))
        .setKeepAlive(true);
    if (llm.getInteger("receive_buffer_bytes", 0) > 0) {
      clientOptions.setReceiveBufferSize(llm.getInteger("receive_buffer_bytes"));
    }
    http = vertx.createHttpClient(clientOptions, new PoolOptions().setHttp1MaxSize(llm.getInteger("max_connections")));
    catalog = new ModelCatalog(config);
    TokenCounter tokens = TokenCounter.create(config.getJsonObject("tokens").getString("encoding"));
    providers.put("openai", new OpenAiProvider(vertx, http, config.getJsonObject("openai"), firstToken, total));
    providers.put("anthropic", new AnthropicProvider(vertx, http, config.getJsonObject("anthropic"), firstToken, total));
    providers.put("placeholder", new PlaceholderProvider(tokens));
    for (String name : providers.keySet()) {
      breakers.put(name, new CircuitBreaker(llm.getInteger("breaker_failures"), llm.getLong("breaker_open_ms"),
          clockMs));
    }
    redis = RedisGate.create(vertx, config);
    limiter = RedisRateLimiter.create(redis, clockMs);
    metrics = ParleyMetrics.of(vertx, config);
    retries = new RetryPolicy(llm.getInteger("max_attempts"), llm.getLong("backoff_base_ms"), llm.getLong("backoff_max_ms"));
    BusEndpoint.of(vertx, config, BusEndpoint.Failures.NONE, BusEndpoint.Observer.NONE)
        .serve(InternalAddresses.LLM_COMPLETE, BusEndpoint.Caller.USER, this::complete);
    return Future.succeededFuture();
  }

  @Override
  public Future<?> stop() {
    redis.ifPresent(RedisGate::close);
    return http.close();
  }

  /** The parts of one completion request; {@code answer} is completed exactly once. */
  private record Job(Promise<Reply> answer, ModelSpec model, ProviderRequest request, String owner,
                     String conversationId, String requestId, String streamAddress, int estimatedTokens,
                     AtomicInteger deltasAhead) {
  }

  /**
   * In: {model (a name the catalogue resolves; absent: the default), system?, messages,
   * max_output_tokens, estimated_prompt_tokens?, conversation_id?, stream_address?, tools?,
   * tool_choice?, sampling?: {temperature?, top_p?, stop?}}. Streamed pieces go to stream_address as {delta: text} or {tool_call: {index, id,
   * name, arguments}}. The model's
   * limits come from this node's catalogue, never from the caller.
   */
  private Future<Reply> complete(BusEndpoint.Request r) {
    JsonObject body = r.body();
    ModelSpec model = catalog.resolve(body.getString("model"));
    JsonArray messages = body.getJsonArray("messages");
    if (messages == null) {
      throw Problem.invalid("/messages", "messages must be an array");
    }
    int maxOutput = body.getInteger("max_output_tokens", model.maxOutputTokens());
    if (maxOutput < 1 || maxOutput > model.maxOutputTokens()) {
      throw Problem.invalid("/max_output_tokens", "max_output_tokens must be from 1 to " + model.maxOutputTokens());
    }
    String streamAddress = body.getString("stream_address");
    ProviderRequest request = new ProviderRequest(model, body.getString("system"), messages, maxOutput,
        streamAddress != null, body.getJsonArray("tools"), body.getValue("tool_choice"),
        body.getJsonObject("sampling"));
    Job job = new Job(Promise.promise(), model, request, r.user(), body.getString("conversation_id"), r.requestId(),
        streamAddress, body.getInteger("estimated_prompt_tokens", 0) + maxOutput, new AtomicInteger());
    if (!providers.containsKey(model.provider())) {
      throw Problem.invalid("/model", "Unknown provider");
    }
    int running = inFlight.getOrDefault(model.name(), 0);
    if (model.maxConcurrent() > 0 && running >= model.maxConcurrent()) {
      throw rejected("model_concurrency", Problem.tooManyRequests("The model is at its limit of concurrent calls", 1,
          model.maxConcurrent(), 0, 1));
    }
    return limiter.acquire("model-rpm:" + model.name(), 1, model.rpm())
        .compose(rpm -> !rpm.allowed()
            ? Future.failedFuture(rejected("model_requests", Problem.tooManyRequests(
                "The model's requests per minute are used up", rpm.retryAfterSeconds(), rpm.limit(), rpm.remaining(),
                rpm.resetSeconds())))
            : limiter.acquire("model-tpm:" + model.name(), job.estimatedTokens(), model.tpm()))
        .compose(tpm -> {
          if (!tpm.allowed()) {
            return Future.failedFuture(rejected("model_tokens", Problem.tooManyRequests(
                "The model's tokens per minute are used up", tpm.retryAfterSeconds(), tpm.limit(), tpm.remaining(),
                tpm.resetSeconds())));
          }
          inFlight.merge(model.name(), 1, Integer::sum);
          attempt(job, 1);
          return job.answer().future();
        });
  }

  /** Counts a refusal by a model limit and returns its problem. */
  private Problem rejected(String scope, Problem problem) {
    metrics.rateLimited(scope);
    return problem;
  }

  private void attempt(Job job, int attempt) {
    CircuitBreaker breaker = breakers.get(job.model().provider());
    if (!breaker.allow()) {
      done(job);
      long retryAfter = Math.max(1, (breaker.retryAfterMs() + 999) / 1000);
      job.answer().fail(new Problem(ProblemType.PROVIDER_UNAVAILABLE,
          "The provider failed repeatedly; calls resume shortly", null,
          new JsonObject().put("retry_after", retryAfter)));
      return;
    }
    long started = System.nanoTime();
    Provider.Call call;
    try {
      call = providers.get(job.model().provider()).start(job.request(), new Provider.Deltas() {
        @Override
        public void text(String text) {
          forward(job, new JsonObject().put("delta", text));
        }

        @Override
        public void toolCall(int index, String id, String name, String arguments) {
          forward(job, new JsonObject().put("tool_call", new JsonObject().put("index", index).put("id", id)
              .put("name", name).put("arguments", arguments)));
        }
      });
    } catch (RuntimeException e) {
      done(job);
      job.answer().fail(e);
      return;
    }
    activeCalls.put(job, call);
    call.result().onComplete(ar -> {
      activeCalls.remove(job);
      int latencyMs = (int) ((System.nanoTime() - started) / 1_000_000);
      if (ar.succeeded()) {
        breaker.success();
        ProviderResult result = ar.result();
        record(job, attempt, latencyMs, "ok", 200, result.promptTokens(), result.completionTokens(), null);
        limiter.adjust("model-tpm:" + job.model().name(),
            result.promptTokens() + result.completionTokens() - job.estimatedTokens(), job.model().tpm());
        done(job);
        job.answer().complete(Reply.ok(answer(job, result.content(), result, "complete", null)));
        return;
      }
      ProviderException failure = ar.cause() instanceof ProviderException p ? p
          : ProviderException.of(ProviderException.Kind.CONNECTION, "provider call failed");
      if (failure.countsAgainstProvider()) {
        breaker.failure();
      } else if (failure.kind() != ProviderException.Kind.CANCELLED) {
        breaker.success();
      }
      record(job, attempt, latencyMs, failure.kind().name().toLowerCase(), failure.httpStatus(), null, null,
          failure.kind().name());
      long delay = retries.delayMs(attempt, failure.retryable(), failure.retryAfterMs(), call.streamedAny());
      if (delay >= 0) {
        vertx.setTimer(Math.max(1, delay), id -> attempt(job, attempt + 1));
        return;
      }
      done(job);
      if (call.streamedAny() || failure.kind() == ProviderException.Kind.CANCELLED) {
        // Tokens already reached the client (or it left): keep what was generated.
        job.answer().complete(Reply.ok(answer(job, call.partialContent(), null, "interrupted",
            failure.kind() == ProviderException.Kind.CANCELLED ? null : problem(failure).toJson())));
        return;
      }
      job.answer().fail(problem(failure));
    });
  }

  /**
   * Hands a delta to the caller's stream, at most {@link #DELTAS_AHEAD} ahead of its acks: beyond
   * that the provider's stream is paused until the client has read more, so a client that stops
   * reading holds a bounded amount in this node. An ack missing for stream_stall_ms, or a stream
   * address nobody listens on, means the client is gone: the call is cancelled.
   */
  private void forward(Job job, JsonObject delta) {
    if (job.streamAddress() == null) {
      return;
    }
    int ahead = job.deltasAhead().incrementAndGet();
    Provider.Call current = activeCalls.get(job);
    if (ahead >= DELTAS_AHEAD && current != null) {
      current.pause();
    }
    vertx.eventBus().request(job.streamAddress(), delta,
            new DeliveryOptions().setSendTimeout(streamStallMs)
                // An HTTP stream of this node, or a bus caller anywhere in the cluster.
                .setLocalOnly(InternalAddresses.isLocalStream(job.streamAddress())))
        .onComplete(ar -> {
          Provider.Call call = activeCalls.get(job);
          if (call == null) {
            return;
          }
          if (ar.failed()) {
            call.cancel();
          } else if (job.deltasAhead().decrementAndGet() <= DELTAS_AHEAD / 2) {
            call.resume();
          }
        });
  }

  private void done(Job job) {
    inFlight.computeIfPresent(job.model().name(), (k, v) -> v <= 1 ? null : v - 1);
  }

  private static JsonObject answer(Job job, String content, ProviderResult result, String outcome, JsonObject error) {
    JsonObject usage = new JsonObject()
        .put("prompt_tokens", result == null ? 0 : result.promptTokens())
        .put("completion_tokens", result == null ? 0 : result.completionTokens());
    return new JsonObject()
        .put("content", content)
        .put("tool_calls", result == null ? null : result.toolCalls())
        .put("finish_reason", result == null ? null : finishReason(result))
        .put("usage", usage)
        .put("model", job.model().name())
        .put("outcome", outcome)
        .put("error", error);
  }

  /**
   * Why the model stopped, in OpenAI's words whatever the provider: stop, length, tool_calls or
   * content_filter (Anthropic's end_turn, stop_sequence, max_tokens, tool_use, refusal).
   */
  static String finishReason(ProviderResult result) {
    String raw = result.finishReason() == null ? "" : result.finishReason();
    return switch (raw) {
      case "length", "max_tokens" -> "length";
      case "tool_calls", "tool_use", "function_call" -> "tool_calls";
      case "content_filter", "refusal" -> "content_filter";
      default -> result.toolCalls() != null && raw.isEmpty() ? "tool_calls" : "stop";
    };
  }

  private static Problem problem(ProviderException failure) {
    return switch (failure.kind()) {
      case CONTEXT_TOO_LONG -> new Problem(ProblemType.CONTEXT_TOO_LONG,
          "The provider says the conversation context is too long for the model");
      case RATE_LIMITED -> Problem.tooManyRequests("The provider is rate limiting this model",
          Math.max(1, (failure.retryAfterMs() + 999) / 1000), 0, 0, Math.max(1, (failure.retryAfterMs() + 999) / 1000));
      case TIMEOUT -> new Problem(ProblemType.PROVIDER_TIMEOUT, "The provider did not answer in time");
      default -> new Problem(ProblemType.PROVIDER_ERROR, "The provider could not complete the request");
    };
  }

  private void record(Job job, int attempt, int latencyMs, String status, int httpStatus, Integer promptTokens,
                      Integer completionTokens, String errorClass) {
    JsonObject call = new JsonObject()
        .put("request_id", job.requestId())
        .put("conversation_id", job.conversationId())
        .put("owner", job.owner())
        .put("provider", job.model().provider())
        .put("model", job.model().name())
        .put("status", status)
        .put("http_status", httpStatus == 0 ? null : httpStatus)
        .put("attempt", attempt)
        .put("latency_ms", latencyMs)
        .put("prompt_tokens", promptTokens)
        .put("completion_tokens", completionTokens)
        .put("error_class", errorClass);
    vertx.eventBus().send(InternalAddresses.LLM_CALLS_RECORD, call, new DeliveryOptions().setLocalOnly(true));
    metrics.llmCall(job.model().provider(), job.model().name(), status, latencyMs, promptTokens, completionTokens);
    LOG.atInfo().addKeyValue("provider", job.model().provider()).addKeyValue("model", job.model().name())
        .addKeyValue("status", status).addKeyValue("http_status", httpStatus).addKeyValue("attempt", attempt)
        .addKeyValue("latency_ms", latencyMs).addKeyValue("prompt_tokens", promptTokens)
        .addKeyValue("completion_tokens", completionTokens).addKeyValue("error_class", errorClass)
        .addKeyValue("request_id", job.requestId())
        .log("llm call");
  }
}
