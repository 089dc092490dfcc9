package dev.parley.chat;

import dev.parley.bus.BusEndpoint;
import dev.parley.bus.ContextStrategy;
import dev.parley.bus.InputRules;
import dev.parley.bus.InternalAddresses;
import dev.parley.bus.NewMessage;
import dev.parley.bus.Problem;
import dev.parley.bus.Replies;
import dev.parley.bus.Reply;
import dev.parley.bus.Requests;
import dev.parley.bus.Role;
import dev.parley.bus.Wire;
import dev.parley.model.ModelCatalog;
import dev.parley.model.ModelSpec;
import dev.parley.model.TokenCounter;
import io.vertx.core.Future;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;

/**
 * Validates turn and dry-run requests, computes the token room for the model, reads the newest
 * messages that fit and plans the prompt (system, rolling summary, messages). The dry run of
 * POST /v1/conversations/{id}/context is this same assembly without the writes.
 */
final class ContextAssembly {

  static final String SUMMARY_PREFIX = "Summary of the earlier conversation:\n";

  private final EventBus eventBus;
  private final InputRules rules;
  private final ModelCatalog catalog;
  private final TokenCounter tokens;
  private final int perMessage;
  private final long turnTimeoutMs;

  ContextAssembly(EventBus eventBus, InputRules rules, ModelCatalog catalog, TokenCounter tokens, int perMessage,
                  long turnTimeoutMs) {
    this.eventBus = eventBus;
    this.rules = rules;
    this.catalog = catalog;
    this.tokens = tokens;
    this.perMessage = perMessage;
    this.turnTimeoutMs = turnTimeoutMs;
  }

  /**
   * The token budget of one turn for one model: {@code room} is what is left for history and the
   * new message once the answer, the system prompt and the priming are set aside.
   */
  record Budget(ModelSpec model, int maxOutput, int systemTokens, long room) {
  }

  private Budget budget(Requests.ChatTurn request, ModelSpec model) {
    int maxOutput = request.maxOutputTokens() == null ? model.maxOutputTokens() : request.maxOutputTokens();
    if (maxOutput > model.maxOutputTokens()) {
      throw Problem.invalid("/max_output_tokens", "max_output_tokens must be at most " + model.maxOutputTokens() + " for this model");
    }
    // The tools' definitions are part of the prompt: they are counted with the system text.
    int systemTokens = (request.system() == null ? 0 : tokens.count(request.system()) + perMessage)
        + (request.tools() == null ? 0 : tokens.count(request.tools().encode()));
    long room = (long) model.contextWindow() - maxOutput - systemTokens - ContextPlan.PRIMING_TOKENS;
    if (request.maxPromptTokens() != null) {
      room = Math.min(room, (long) request.maxPromptTokens() - systemTokens - ContextPlan.PRIMING_TOKENS);
    }
    return new Budget(model, maxOutput, systemTokens, room);
  }

  /**
   * A validated turn or dry-run request: who asks (as bus calls), what, the room, the turn's input
   * messages (tool results, then the user's message; each {role, content, token_count,
   * tool_call_id?}) and their cost with the per-message overhead.
   */
  record Prepared(BusCalls bus, Requests.ChatTurn request, Budget budget, List<JsonObject> input, int newCost) {
  }

  /** Validates a turn or dry run; throws a Problem (400, 422) before anything is read or written. */
  Prepared prepare(BusEndpoint.Request r, Requests.ChatTurn request) {
    Budget budget = budget(request, catalog.resolve(request.model()));
    List<JsonObject> input = new ArrayList<>();
    int newCost = 0;
    for (NewMessage m : request.inputMessages()) {
      int count = tokens.count(m.content());
      input.add(m.toJson().put("token_count", count));
      newCost += count + perMessage;
    }
    if (newCost > budget.room()) {
      throw Problem.unprocessable("The message alone does not fit the model's context window (" + newCost
          + " tokens, room for " + Math.max(0, budget.room()) + ")");
    }
    BusCalls bus = new BusCalls(eventBus, r.user(), r.requestId(), turnTimeoutMs);
    return new Prepared(bus, request, budget, input, newCost);
  }

  /** parley.chat.context: exactly what a turn would send, and what it would leave out and why. Writes nothing. */
  Future<Reply> dryRun(BusEndpoint.Request r) {
    Requests.ChatTurn request = Requests.ChatTurn.dryRun(r.body(), rules);
    Prepared p = prepare(r, request);
    Budget budget = p.budget();
    int newCost = p.newCost();
    // The new messages are not stored in a dry run: they take last_n's places themselves.
    int slots = request.lastN() - p.input().size();
    return read(p.bus(), request.conversationId().toString(), request, budget, newCost, slots, request.toolCallIds())
        .map(read -> {
      // The new messages as a turn would add them (tool results pair with their calls); only stored ones are listed.
      ContextPlan plan = read.plus(p.input());
      List<Replies.ContextMessage> included = new ArrayList<>();
      for (JsonObject m : plan.messages()) {
        if (m.getString("id") == null) {
          continue;
        }
        included.add(new Replies.ContextMessage(m.getString("id"), m.getLong("seq"),
            Wire.parse(Role.class, m.getString("role")), m.getInteger("token_count")));
      }
      Replies.DroppedReason reason = plan.dropped() == 0 ? null
          : request.strategy() == ContextStrategy.LAST_N && read.messages().size() >= slots
              ? Replies.DroppedReason.LAST_N : Replies.DroppedReason.TOKEN_BUDGET;
      return Reply.ok(new Replies.ContextReport(request.conversationId(), budget.model().name(), request.strategy(),
          budget.model().contextWindow(), budget.maxOutput(), budget.room(), plan.systemTokens(),
          plan.system() != null && plan.system().contains(SUMMARY_PREFIX), newCost == 0 ? null : newCost, included,
          plan.messages().size(), plan.dropped(), reason, plan.promptTokens()).toJson());
    });
  }

  /**
   * The plan of a turn whose user message is not stored yet (it is stored with the answer): the
   * newest stored messages that fit beside it, exactly what the dry run reports, then the new
   * message. A turn that starts a conversation reads nothing.
   */
  Future<ContextPlan> withNewMessage(BusCalls bus, String conversationId, boolean newConversation, Prepared prepared) {
    Requests.ChatTurn request = prepared.request();
    Budget budget = prepared.budget();
    int newCost = prepared.newCost();
    if (newConversation) {
      return Future.succeededFuture(ContextPlan.fit(request.system(), budget.systemTokens(), List.of(),
          budget.room() - newCost, perMessage, 0).plus(prepared.input()));
    }
    return read(bus, conversationId, request, budget, newCost, request.lastN() - prepared.input().size(),
        request.toolCallIds())
        .map(plan -> plan.plus(prepared.input()));
  }

  /**
   * Reads the newest messages that fit {@code budget} less {@code reserved} and plans the prompt;
   * {@code answering}: the calls that tool results not stored yet answer (the store checks they are pending).
   */
  Future<ContextPlan> read(BusCalls bus, String conversationId, Requests.ChatTurn request, Budget budget,
                           long reserved, int lastN, List<String> answering) {
    boolean summary = request.strategy() == ContextStrategy.SUMMARY;
    JsonObject query = new JsonObject()
        .put("conversation_id", conversationId)
        .put("budget_tokens", budget.room() - reserved)
        .put("per_message_tokens", perMessage)
        .put("max_messages", request.strategy() == ContextStrategy.LAST_N ? Math.max(1, lastN) : 0)
        .put("use_summary", summary)
        .put("tool_call_ids", answering.isEmpty() ? null : new io.vertx.core.json.JsonArray(answering));
    return bus.request(InternalAddresses.MESSAGES_CONTEXT, query).map(reply -> {
      JsonObject picked = reply.body();
      String summaryText = picked.getString("summary");
      String system = request.system();
      int systemTokens = budget.systemTokens();
      if (summaryText != null) {
        system = (system == null ? "" : system + "\n\n") + SUMMARY_PREFIX + summaryText;
        systemTokens += tokens.count(SUMMARY_PREFIX + summaryText) + (request.system() == null ? perMessage : 0);
      }
      @SuppressWarnings("unchecked")
      List<JsonObject> messages = (List<JsonObject>) (List<?>) picked.getJsonArray("messages").getList().stream()
          .map(o -> o instanceof JsonObject j ? j : new JsonObject((java.util.Map<String, Object>) o)).toList();
      long dropped = picked.getLong("dropped");
      if (request.strategy() == ContextStrategy.LAST_N && lastN <= 0) {
        // last_n places all taken by the new messages, not stored yet (the read checked the owner).
        dropped += messages.size();
        messages = List.of();
      }
      long room = budget.room() - reserved - (systemTokens - budget.systemTokens());
      return ContextPlan.fit(system, systemTokens, messages, Math.max(0, room), perMessage, dropped);
    });
  }
}
