package dev.parley.chat;

import dev.parley.bus.Addresses;
import dev.parley.bus.BusHeaders;
import dev.parley.bus.Problem;
import dev.parley.bus.Reply;
import dev.parley.config.Limits;
import dev.parley.cache.RedisGate;
import dev.parley.limits.RedisRateLimiter;
import dev.parley.model.ModelCatalog;
import dev.parley.model.TokenCounter;
import dev.parley.ops.ParleyMetrics;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;


/**
 * Serves parley.chat.turn (one chat turn: store the user message, assemble the context, call the
 * LLM, store the answer) and parley.chat.context (the same assembly as a dry run). Turns are
 * stateless: everything comes from the database, so any node can serve any turn. One instance per
 * node: the per-user limits are this node's.
 */
public final class ChatVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(ChatVerticle.class);

  private RedisGate redis;
  private ParleyMetrics metrics;
  private ContextAssembly assembly;
  private UserLimits userLimits;
  private SummaryRefresher summaries;
  private TurnLeases leases;

  @Override
  public Future<?> start() {
    JsonObject config = config();
    JsonObject chat = config.getJsonObject("chat");
    int perMessage = chat.getInteger("per_message_tokens");
    metrics = ParleyMetrics.of(vertx, config);
    redis = RedisGate.create(vertx, config);
    assembly = new ContextAssembly(vertx.eventBus(), Limits.from(config.getJsonObject("limits")), new ModelCatalog(config),
        TokenCounter.create(config.getJsonObject("tokens").getString("encoding")), perMessage,
        chat.getLong("turn_timeout_ms"));
    JsonObject limits = config.getJsonObject("limits");
    userLimits = new UserLimits(RedisRateLimiter.create(redis), limits.getLong("user_requests_per_minute"),
        limits.getLong("user_tokens_per_minute"), metrics);
    summaries = new SummaryRefresher(perMessage);
    leases = new TurnLeases(vertx, config.getJsonObject("idempotency").getLong("lease_seconds") * 1000);
    vertx.eventBus().<JsonObject>consumer(Addresses.CHAT_TURN, msg -> answer(msg, turn(msg).andThen(this::count)));
    vertx.eventBus().<JsonObject>consumer(Addresses.CHAT_CONTEXT, msg -> answer(msg, assembly.dryRun(msg)));
    return Future.succeededFuture();
  }

  @Override
  public Future<?> stop() {
    leases.close();
    return redis == null ? Future.succeededFuture() : redis.close();
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

  private static void answer(Message<JsonObject> msg, Future<Reply> result) {
    result.onSuccess(reply -> reply.sendTo(msg)).onFailure(failure -> {
      Problem problem = failure instanceof Problem p ? p : Problem.fromBus(failure);
      if (problem.status() >= 500 && !(failure instanceof Problem)) {
        LOG.error("Chat turn failed: {}", failure.getClass().getName());
      }
      problem.failOn(msg);
    });
  }


  private Future<Reply> turn(Message<JsonObject> msg) {
    ContextAssembly.Prepared prepared;
    try {
      prepared = assembly.prepare(msg, true);
    } catch (Problem problem) {
      return Future.failedFuture(problem);
    }
    return new ChatTurn(prepared, msg.headers().get(BusHeaders.IDEMPOTENCY_KEY), msg.headers().get(BusHeaders.REQUEST_HASH),
        msg.headers().get(BusHeaders.STREAM_ADDRESS), userLimits, assembly, summaries, leases).run();
  }
}
