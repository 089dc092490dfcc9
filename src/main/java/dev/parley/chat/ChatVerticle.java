package dev.parley.chat;

import dev.parley.bus.Addresses;
import dev.parley.bus.BusHeaders;
import dev.parley.bus.Problem;
import dev.parley.bus.Reply;
import dev.parley.config.Limits;
import dev.parley.cache.RedisGate;
import dev.parley.limits.RedisRateLimiter;
import dev.parley.limits.RateLimiter;
import dev.parley.llm.ModelCatalog;
import dev.parley.llm.ModelSpec;
import dev.parley.llm.TokenCounter;
import dev.parley.ops.ParleyMetrics;
import dev.parley.store.InputRules;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;

/**
 * Serves parley.chat.turn (one chat turn: store the user message, assemble the context, call the
 * LLM, store the answer) and parley.chat.context (the same assembly as a dry run). Turns are
 * stateless: everything comes from the database, so any node can serve any turn. One instance per
 * node: the per-user limits are this node's.
 */
public final class ChatVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(ChatVerticle.class);
  static final String SUMMARY_PREFIX = "Summary of the earlier conversation:\n";

  private Limits limits;
  private ModelCatalog catalog;
  private TokenCounter tokens;
  private RateLimiter limiter;
  private RedisGate redis;
  private SummaryRefresher summaries;
  private ParleyMetrics metrics;
  private int perMessage;
  private long turnTimeoutMs;
  private long userRpm;
  private long userTpm;

  @Override
  public Future<?> start() {
    JsonObject config = config();
    limits = Limits.from(config.getJsonObject("limits"));
    catalog = new ModelCatalog(config);
    tokens = TokenCounter.create(config.getJsonObject("tokens").getString("encoding"));
    redis = RedisGate.create(vertx, config);
    limiter = RedisRateLimiter.create(redis);
    perMessage = config.getJsonObject("chat").getInteger("per_message_tokens");
    turnTimeoutMs = config.getJsonObject("chat").getLong("turn_timeout_ms");
    userRpm = config.getJsonObject("limits").getLong("user_requests_per_minute");
    userTpm = config.getJsonObject("limits").getLong("user_tokens_per_minute");
    summaries = new SummaryRefresher(perMessage);
    metrics = ParleyMetrics.of(vertx, config);
    vertx.eventBus().<JsonObject>consumer(Addresses.CHAT_TURN, msg -> answer(msg, turn(msg).andThen(this::count)));
    vertx.eventBus().<JsonObject>consumer(Addresses.CHAT_CONTEXT, msg -> answer(msg, dryRun(msg)));
    return Future.succeededFuture();
  }

  @Override
  public Future<?> stop() {
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

  private Problem rejected(String scope, Problem problem) {
    metrics.rateLimited(scope);
    return problem;
  }

  /** The token room of one turn for one model. */
  private record Budget(ModelSpec model, int maxOutput, int systemTokens, long window) {
  }

  private Budget budget(TurnRequest request, ModelSpec model) {
    int maxOutput = request.maxOutputTokens() == null ? model.maxOutputTokens() : request.maxOutputTokens();
    if (maxOutput > model.maxOutputTokens()) {
      throw Problem.invalid("/max_output_tokens", "max_output_tokens must be at most " + model.maxOutputTokens() + " for this model");
    }
    int systemTokens = request.system() == null ? 0 : tokens.count(request.system()) + perMessage;
    long window = (long) model.contextWindow() - maxOutput - systemTokens - ContextPlan.PRIMING_TOKENS;
    if (request.maxPromptTokens() != null) {
      window = Math.min(window, (long) request.maxPromptTokens() - systemTokens - ContextPlan.PRIMING_TOKENS);
    }
    return new Budget(model, maxOutput, systemTokens, window);
  }

  /** A validated turn or dry-run request: who asks (as bus calls), what, the room, and the new message's cost. */
  private record Prepared(BusCalls bus, TurnRequest request, Budget budget, int newCost) {
  }

  /** Validates a turn or dry run; throws a Problem (400, 422) before anything is read or written. */
  private Prepared prepare(Message<JsonObject> msg, boolean messageRequired) {
    String owner = msg.headers().get(BusHeaders.USER);
    if (owner == null || owner.isBlank()) {
      throw Problem.badRequest("The user header is required");
    }
    InputRules.checkText(msg.body(), "");
    TurnRequest request = TurnRequest.parse(msg.body(), limits, messageRequired);
    Budget budget = budget(request, catalog.resolve(request.model()));
    int newCost = request.content() == null ? 0 : tokens.count(request.content()) + perMessage;
    if (newCost > budget.window()) {
      throw Problem.unprocessable("The message alone does not fit the model's context window (" + newCost
          + " tokens, room for " + Math.max(0, budget.window()) + ")");
    }
    BusCalls bus = new BusCalls(vertx.eventBus(), owner, msg.headers().get(BusHeaders.REQUEST_ID), turnTimeoutMs);
    return new Prepared(bus, request, budget, newCost);
  }

  private Future<Reply> turn(Message<JsonObject> msg) {
    Prepared p;
    try {
      p = prepare(msg, true);
    } catch (Problem problem) {
      return Future.failedFuture(problem);
    }
    Turn turn = new Turn(p.bus(), p.request(), p.budget(), p.newCost(), msg.headers().get(BusHeaders.IDEMPOTENCY_KEY),
        msg.headers().get(BusHeaders.REQUEST_HASH), msg.headers().get(BusHeaders.STREAM_ADDRESS));
    return turn.run();
  }

  /** One turn in progress. */
  private final class Turn {
    private final BusCalls bus;
    private final TurnRequest request;
    private final Budget budget;
    private final int messageCost;
    private final String idempotencyKey;
    private final String requestHash;
    private final String streamAddress;
    private String conversationId;
    private JsonObject userMessage;
    private long reservedTokens;

    Turn(BusCalls bus, TurnRequest request, Budget budget, int messageCost, String idempotencyKey, String requestHash,
         String streamAddress) {
      this.bus = bus;
      this.request = request;
      this.budget = budget;
      this.messageCost = messageCost;
      this.idempotencyKey = idempotencyKey;
      this.requestHash = requestHash;
      this.streamAddress = streamAddress;
    }

    Future<Reply> run() {
      return claim().compose(replay -> {
        if (replay != null) {
          return replay.status() >= 400
              ? Future.failedFuture(Problem.fromJson(replay.body()))
              : Future.succeededFuture(replay.asReplay());
        }
        return limit()
            .compose(v -> storeUserMessage())
            .recover(beforeWrite -> release().transform(ignored -> Future.failedFuture(beforeWrite)))
            .compose(v -> converse())
            .transform(ar -> settle(ar.succeeded() ? ar.result() : null, ar.cause()));
      });
    }

    private Future<Reply> claim() {
      if (idempotencyKey == null) {
        return Future.succeededFuture(null);
      }
      DeliveryOptions options = new DeliveryOptions().addHeader(BusHeaders.IDEMPOTENCY_KEY, idempotencyKey)
          .addHeader(BusHeaders.REQUEST_HASH, requestHash == null ? "" : requestHash);
      return bus.request(Addresses.IDEMPOTENCY_CLAIM, new JsonObject().put("operation", Addresses.CHAT_TURN), options)
          .map(reply -> reply.replayed() ? reply : null);
    }

    private Future<Void> release() {
      if (idempotencyKey == null) {
        return Future.succeededFuture();
      }
      return bus.request(Addresses.IDEMPOTENCY_RELEASE, new JsonObject(),
          new DeliveryOptions().addHeader(BusHeaders.IDEMPOTENCY_KEY, idempotencyKey)).mapEmpty();
    }

    /** Stores the turn's answer (success or failure) under its idempotency key, once the user message is stored. */
    private Future<Reply> settle(Reply reply, Throwable failure) {
      Future<Void> stored = Future.succeededFuture();
      if (idempotencyKey != null && userMessage != null) {
        Problem problem = failure == null ? null : (failure instanceof Problem p ? p : Problem.internal());
        JsonObject record = new JsonObject()
            .put("status", problem == null ? reply.status() : problem.status())
            .put("response", problem == null ? reply.body() : problem.toJson());
        stored = bus.request(Addresses.IDEMPOTENCY_COMPLETE, record,
            new DeliveryOptions().addHeader(BusHeaders.IDEMPOTENCY_KEY, idempotencyKey)).mapEmpty();
      }
      return stored.transform(ignored -> failure == null ? Future.succeededFuture(reply) : Future.failedFuture(failure));
    }

    private Future<Void> limit() {
      reservedTokens = messageCost + budget.maxOutput();
      return limiter.acquire("user-rpm:" + bus.owner(), 1, userRpm).compose(rpm -> {
        if (!rpm.allowed()) {
          metrics.rateLimited("user_requests");
          return Future.failedFuture(Problem.tooManyRequests("Too many chat turns this minute", rpm.retryAfterSeconds(),
              rpm.limit(), rpm.remaining(), rpm.resetSeconds()));
        }
        return limiter.acquire("user-tpm:" + bus.owner(), reservedTokens, userTpm).compose(tpm -> tpm.allowed()
            ? Future.succeededFuture()
            : Future.<Void>failedFuture(rejected("user_tokens",Problem.tooManyRequests("Too many LLM tokens this minute", tpm.retryAfterSeconds(),
                tpm.limit(), tpm.remaining(), tpm.resetSeconds()))));
      });
    }

    private Future<Void> storeUserMessage() {
      Future<String> conversation = request.conversationId() != null
          ? Future.succeededFuture(request.conversationId())
          : bus.request(Addresses.CONVERSATIONS_CREATE, new JsonObject()).map(r -> r.body().getString("id"));
      return conversation.compose(id -> {
        conversationId = id;
        return bus.request(Addresses.MESSAGES_APPEND, new JsonObject().put("conversation_id", id)
            .put("messages", new JsonArray().add(request.userMessage())));
      }).map(r -> {
        userMessage = r.body().getJsonArray("data").getJsonObject(0);
        return null;
      });
    }

    private Future<Reply> converse() {
      return readContext(bus, conversationId, request, budget, 0, request.lastN()).compose(plan -> complete(plan, false));
    }

    /** Calls the model; a "context too long" answer gets one more try with a tighter plan. */
    private Future<Reply> complete(ContextPlan plan, boolean tightened) {
      JsonObject call = new JsonObject()
          .put("model", budget.model().toJson())
          .put("system", plan.system())
          .put("messages", plan.providerMessages())
          .put("max_output_tokens", budget.maxOutput())
          .put("estimated_prompt_tokens", plan.promptTokens())
          .put("conversation_id", conversationId)
          .put("stream_address", streamAddress);
      return bus.request(Addresses.LLM_COMPLETE, call).compose(reply -> storeAnswer(plan, reply.body()), failure -> {
        if (!tightened && failure instanceof Problem p && p.toJson().getString("type").endsWith("/context-too-long")) {
          ContextPlan tighter = plan.tighter();
          if (tighter.messages().size() < plan.messages().size()) {
            return complete(tighter, true);
          }
        }
        return Future.failedFuture(failure);
      });
    }

    private Future<Reply> storeAnswer(ContextPlan plan, JsonObject llm) {
      boolean interrupted = "interrupted".equals(llm.getString("outcome"));
      JsonObject usage = llm.getJsonObject("usage");
      limiter.adjust("user-tpm:" + bus.owner(),
          usage.getLong("prompt_tokens") + usage.getLong("completion_tokens") - reservedTokens, userTpm);
      String content = llm.getString("content", "");
      JsonArray toolCalls = llm.getJsonArray("tool_calls");
      if (content.isEmpty() && toolCalls == null) {
        if (interrupted) {
          return llm.getJsonObject("error") == null ? Future.failedFuture(Problem.badRequest("The client went away"))
              : Future.failedFuture(Problem.fromJson(llm.getJsonObject("error")));
        }
        content = " ";
      }
      JsonObject assistant = new JsonObject().put("role", "assistant").put("content", content)
          .put("model", llm.getString("model")).put("status", interrupted ? "interrupted" : "complete");
      if (toolCalls != null) {
        assistant.put("tool_calls", toolCalls);
      }
      return bus.request(Addresses.MESSAGES_APPEND, new JsonObject().put("conversation_id", conversationId)
          .put("messages", new JsonArray().add(assistant))).compose(stored -> {
            JsonObject message = stored.body().getJsonArray("data").getJsonObject(0);
            if (interrupted && llm.getJsonObject("error") != null) {
              return Future.failedFuture(Problem.fromJson(llm.getJsonObject("error")));
            }
            if ("summary".equals(request.strategy())) {
              summaries.maybeRefresh(bus, conversationId, budget.model(), plan);
            }
            long prompt = usage.getLong("prompt_tokens");
            long completion = usage.getLong("completion_tokens");
            return Future.succeededFuture(Reply.ok(new JsonObject()
                .put("conversation_id", conversationId)
                .put("user_message", userMessage)
                .put("message", message)
                .put("usage", new JsonObject().put("prompt_tokens", prompt).put("completion_tokens", completion)
                    .put("total_tokens", prompt + completion))
                .put("context", new JsonObject().put("strategy", request.strategy())
                    .put("messages_included", plan.messages().size())
                    .put("messages_dropped", plan.dropped())
                    .put("prompt_tokens", plan.promptTokens()))
                .put("tool_calls", toolCalls)));
          });
    }
  }

  /** parley.chat.context: exactly what a turn would send, and what it would leave out and why. Writes nothing. */
  private Future<Reply> dryRun(Message<JsonObject> msg) {
    Prepared p;
    try {
      p = prepare(msg, false);
    } catch (Problem problem) {
      return Future.failedFuture(problem);
    }
    TurnRequest request = p.request();
    Budget budget = p.budget();
    BusCalls bus = p.bus();
    int newCost = p.newCost();
    String conversationId = msg.body().getString("conversation_id");
    // The new message is not stored in a dry run: it takes one of last_n's places itself.
    int slots = newCost > 0 ? request.lastN() - 1 : request.lastN();
    return readContext(bus, conversationId, request, budget, newCost, slots).map(plan -> {
      JsonArray included = new JsonArray();
      for (JsonObject m : plan.messages()) {
        included.add(new JsonObject().put("id", m.getString("id")).put("seq", m.getLong("seq"))
            .put("role", m.getString("role")).put("token_count", m.getInteger("token_count")));
      }
      String reason = plan.dropped() == 0 ? null
          : "last_n".equals(request.strategy()) && plan.messages().size() >= slots
              ? "last_n" : "token_budget";
      return Reply.ok(new JsonObject()
          .put("object", "context")
          .put("conversation_id", conversationId)
          .put("model", budget.model().name())
          .put("strategy", request.strategy())
          .put("context_window", budget.model().contextWindow())
          .put("max_output_tokens", budget.maxOutput())
          .put("budget_tokens", budget.window())
          .put("system_tokens", plan.systemTokens())
          .put("summary_included", plan.system() != null && plan.system().contains(SUMMARY_PREFIX))
          .put("new_message_tokens", newCost == 0 ? null : newCost)
          .put("messages", included)
          .put("messages_included", included.size() + (newCost > 0 ? 1 : 0))
          .put("messages_dropped", plan.dropped())
          .put("dropped_reason", reason)
          .put("prompt_tokens", plan.promptTokens() + newCost));
    });
  }

  /** Reads the newest messages that fit {@code budget} less {@code reserved} and plans the prompt. */
  private Future<ContextPlan> readContext(BusCalls bus, String conversationId, TurnRequest request, Budget budget,
                                          long reserved, int lastN) {
    boolean summary = "summary".equals(request.strategy());
    JsonObject query = new JsonObject()
        .put("conversation_id", conversationId)
        .put("budget_tokens", budget.window() - reserved)
        .put("per_message_tokens", perMessage)
        .put("max_messages", "last_n".equals(request.strategy()) ? Math.max(1, lastN) : 0)
        .put("use_summary", summary);
    return bus.request(Addresses.MESSAGES_CONTEXT, query).map(reply -> {
      JsonObject window = reply.body();
      String summaryText = window.getString("summary");
      String system = request.system();
      int systemTokens = budget.systemTokens();
      if (summaryText != null) {
        system = (system == null ? "" : system + "\n\n") + SUMMARY_PREFIX + summaryText;
        systemTokens += tokens.count(SUMMARY_PREFIX + summaryText) + (request.system() == null ? perMessage : 0);
      }
      @SuppressWarnings("unchecked")
      List<JsonObject> picked = (List<JsonObject>) (List<?>) window.getJsonArray("messages").getList().stream()
          .map(o -> o instanceof JsonObject j ? j : new JsonObject((java.util.Map<String, Object>) o)).toList();
      long room = budget.window() - reserved - (systemTokens - budget.systemTokens());
      return ContextPlan.fit(system, systemTokens, picked, Math.max(0, room), perMessage, window.getLong("dropped"));
    });
  }
}
