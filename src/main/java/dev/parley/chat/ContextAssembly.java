package dev.parley.chat;

import dev.parley.bus.Addresses;
import dev.parley.bus.BusHeaders;
import dev.parley.bus.Problem;
import dev.parley.bus.Reply;
import dev.parley.config.Limits;
import dev.parley.model.ModelCatalog;
import dev.parley.model.ModelSpec;
import dev.parley.model.TokenCounter;
import dev.parley.bus.InputRules;
import io.vertx.core.Future;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.List;

/**
 * Validates turn and dry-run requests, computes the token room for the model, reads the newest
 * messages that fit and plans the prompt (system, rolling summary, messages). The dry run of
 * POST /v1/conversations/{id}/context is this same assembly without the writes.
 */
final class ContextAssembly {

  static final String SUMMARY_PREFIX = "Summary of the earlier conversation:\n";

  private final EventBus eventBus;
  private final Limits limits;
  private final ModelCatalog catalog;
  private final TokenCounter tokens;
  private final int perMessage;
  private final long turnTimeoutMs;

  ContextAssembly(EventBus eventBus, Limits limits, ModelCatalog catalog, TokenCounter tokens, int perMessage,
                  long turnTimeoutMs) {
    this.eventBus = eventBus;
    this.limits = limits;
    this.catalog = catalog;
    this.tokens = tokens;
    this.perMessage = perMessage;
    this.turnTimeoutMs = turnTimeoutMs;
  }

  /** The token room of one turn for one model. */
  record Budget(ModelSpec model, int maxOutput, int systemTokens, long window) {
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
  record Prepared(BusCalls bus, TurnRequest request, Budget budget, int newCost) {
  }

  /** Validates a turn or dry run; throws a Problem (400, 422) before anything is read or written. */
  Prepared prepare(Message<JsonObject> msg, boolean messageRequired) {
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
    BusCalls bus = new BusCalls(eventBus, owner, msg.headers().get(BusHeaders.REQUEST_ID), turnTimeoutMs);
    return new Prepared(bus, request, budget, newCost);
  }

  /** parley.chat.context: exactly what a turn would send, and what it would leave out and why. Writes nothing. */
  Future<Reply> dryRun(Message<JsonObject> msg) {
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
    return read(bus, conversationId, request, budget, newCost, slots).map(plan -> {
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
  Future<ContextPlan> read(BusCalls bus, String conversationId, TurnRequest request, Budget budget,
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
