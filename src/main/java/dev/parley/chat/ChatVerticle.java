package dev.parley.chat;

import dev.parley.bus.Addresses;
import dev.parley.bus.BusEndpoint;
import dev.parley.bus.BusHeaders;
import dev.parley.bus.InputRules;
import dev.parley.bus.InternalAddresses;
import dev.parley.bus.Problem;
import dev.parley.bus.Reply;
import dev.parley.bus.Requests;
import dev.parley.cache.RedisGate;
import dev.parley.config.Limits;
import dev.parley.limits.RedisRateLimiter;
import dev.parley.model.ModelCatalog;
import dev.parley.model.TokenCounter;
import dev.parley.ops.ParleyMetrics;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonObject;

import java.util.Optional;


/**
 * Serves parley.chat.turn (one chat turn: store the user message, assemble the context, call the
 * LLM, store the answer) and parley.chat.context (the same assembly as a dry run). Turns are
 * stateless: everything comes from the database, so any node can serve any turn. The per-user
 * limits count in Redis, so they are cluster-wide; without Redis (or while it is unreachable) each
 * node counts its own. One instance per node.
 */
public final class ChatVerticle extends VerticleBase {

  private Optional<RedisGate> redis;
  private ParleyMetrics metrics;
  private InputRules rules;
  private ContextAssembly assembly;
  private UserLimits userLimits;
  private SummaryRefresher summaries;
  private TurnLeases leases;
  private ChatTurn.Streaming streaming;

  @Override
  public Future<?> start() {
    JsonObject config = config();
    JsonObject chat = config.getJsonObject("chat");
    int perMessage = chat.getInteger("per_message_tokens");
    metrics = ParleyMetrics.of(vertx, config);
    redis = RedisGate.create(vertx, config);
    rules = new InputRules(Limits.from(config.getJsonObject("limits")));
    assembly = new ContextAssembly(vertx.eventBus(), rules, new ModelCatalog(config),
        TokenCounter.create(config.getJsonObject("tokens").getString("encoding")), perMessage,
        chat.getLong("turn_timeout_ms"));
    JsonObject limits = config.getJsonObject("limits");
    JsonObject anonymous = config.getJsonObject("anonymous");
    userLimits = new UserLimits(RedisRateLimiter.create(redis),
        new UserLimits.PerMinute(limits.getLong("user_requests_per_minute"), limits.getLong("user_tokens_per_minute")),
        new UserLimits.PerMinute(anonymous.getLong("requests_per_minute"), anonymous.getLong("tokens_per_minute")),
        metrics);
    summaries = new SummaryRefresher(perMessage);
    leases = new TurnLeases(vertx, config.getJsonObject("idempotency").getLong("lease_seconds") * 1000);
    Optional<TurnLog> log = redis.map(gate -> new TurnLog(gate, chat.getLong("turn_log_keep_ms")));
    streaming = new ChatTurn.Streaming(vertx, log, chat.getLong("stream_stall_ms"));
    TurnFollow follow = new TurnFollow(vertx, log, chat.getLong("stream_stall_ms"));
    BusEndpoint endpoint = BusEndpoint.of(vertx, config, BusEndpoint.Failures.NONE, BusEndpoint.Observer.NONE);
    long turnTimeout = chat.getLong("turn_timeout_ms");
    endpoint.serve(InternalAddresses.TURNS_FOLLOW, BusEndpoint.Caller.USER,
        r -> follow.follow(new BusCalls(vertx.eventBus(), r.user(), r.requestId(), turnTimeout), r));
    endpoint.serve(Addresses.CHAT_TURN, BusEndpoint.Caller.USER, r -> turn(r, r.body()).andThen(this::count));
    Completions completions = new Completions(vertx, rules, new ModelCatalog(config),
        TokenCounter.create(config.getJsonObject("tokens").getString("encoding")), perMessage, userLimits, turnTimeout,
        this::turn);
    endpoint.serve(Addresses.CHAT_COMPLETIONS, BusEndpoint.Caller.USER, r -> completions.complete(r).andThen(this::count));
    endpoint.serve(Addresses.MODELS_LIST, BusEndpoint.Caller.USER, completions::models);
    endpoint.serve(Addresses.CHAT_CONTEXT, BusEndpoint.Caller.USER, assembly::dryRun);
    return Future.succeededFuture();
  }

  @Override
  public Future<?> stop() {
    leases.close();
    return redis.map(RedisGate::close).orElse(Future.succeededFuture());
  }

  private void count(io.vertx.core.AsyncResult<Reply> result) {
    if (result.succeeded()) {
      metrics.chatTurn("ok");
      return;
    }
    int status = result.cause() instanceof Problem p ? p.status() : 500;
    metrics.chatTurn(status == 429 ? "rate_limited" : status < 500 ? "client_error"
        : status == 500 ? "error" : "provider_error");
  }

  /** A chat turn asked for by {@code r} (its user, request id and headers), as {@code body} describes it. */
  private Future<Reply> turn(BusEndpoint.Request r, JsonObject body) {
    ContextAssembly.Prepared prepared;
    try {
      prepared = assembly.prepare(r, Requests.ChatTurn.turn(body, rules));
    } catch (Problem problem) {
      return Future.failedFuture(problem);
    }
    return new ChatTurn(prepared, r.header(BusHeaders.IDEMPOTENCY_KEY), r.header(BusHeaders.REQUEST_HASH),
        r.header(BusHeaders.STREAM_ADDRESS), userLimits, assembly, summaries, leases, streaming).run();
  }
}
