package dev.parley.chat;

import dev.parley.bus.Addresses;
import dev.parley.bus.BusHeaders;
import dev.parley.bus.ContextStrategy;
import dev.parley.bus.InternalAddresses;
import dev.parley.bus.Problem;
import dev.parley.bus.ProblemType;
import dev.parley.bus.Replies;
import dev.parley.bus.Reply;
import dev.parley.bus.Requests;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * One chat turn in progress: idempotency claim, per-user limits, the context, the model call (one
 * tighter retry when the context is too long) and the stored answer. A turn commits once, after the
 * model answered: its user message, the answer, the conversation's counters (and the conversation
 * itself when the turn starts one) and the idempotency key's response in one transaction; when the
 * model fails, the user message alone, with the failure as the key's answer. Nothing is written
 * before the model answers, so a turn that fails before (limits, a missing conversation, a node
 * that dies) leaves nothing behind and its key is free again.
 *
 * <p>A streamed turn stores its user message first: its first event announces the stored message
 * (the turn id is its id) to every device that follows the turn. With an Idempotency-Key that
 * write records the turn's progress, so a retry that takes over a dead attempt ({@link TurnLeases})
 * resumes after the stored user message; failures after it keep it, and are the key's answer.
 */
final class ChatTurn {

  private final BusCalls bus;
  private final ContextAssembly.Prepared prepared;
  private final Requests.ChatTurn request;
  private final ContextAssembly.Budget budget;
  private final int messageCost;
  private final UserLimits limits;
  private final ContextAssembly assembly;
  private final SummaryRefresher summaries;
  private final String idempotencyKey;
  private final String requestHash;
  private final String streamAddress;
  private final TurnLeases leases;
  private final Streaming streaming;
  private final UUID attempt = UUID.randomUUID();
  /** A streamed regenerate's turn id, and the id its answer is stored with. */
  private final UUID regenerateId = UUID.randomUUID();
  private TurnRelay relay;
  private String conversationId;
  private JsonObject userMessage;
  private long reservedTokens;

  /** What a streamed turn needs: the node, the turn log (empty without Redis), the caller's ack time-out. */
  record Streaming(Vertx vertx, Optional<TurnLog> log, long stallMs) {
  }

  ChatTurn(ContextAssembly.Prepared prepared, String idempotencyKey, String requestHash, String streamAddress,
           UserLimits limits, ContextAssembly assembly, SummaryRefresher summaries, TurnLeases leases,
           Streaming streaming) {
    this.bus = prepared.bus();
    this.prepared = prepared;
    this.request = prepared.request();
    this.budget = prepared.budget();
    this.messageCost = prepared.newCost();
    this.limits = limits;
    this.assembly = assembly;
    this.summaries = summaries;
    this.idempotencyKey = idempotencyKey;
    this.requestHash = requestHash;
    this.streamAddress = streamAddress;
    this.leases = leases;
    this.streaming = streaming;
  }

  /** What claiming the turn's idempotency key found. */
  private sealed interface Claim {
    /** The key's stored answer: the turn ran before. */
    record Replay(Reply reply) implements Claim {
    }

    /** This attempt runs the turn; {@code progress} is what an earlier attempt recorded (empty: none). */
    record Run(JsonObject progress) implements Claim {
    }
  }

  Future<Reply> run() {
    return claim().compose(claim -> {
      if (claim instanceof Claim.Replay replay) {
        return replay.reply().status() >= 400
            ? Future.failedFuture(Problem.fromJson(replay.reply().body()))
            : Future.succeededFuture(replay.reply());
      }
      JsonObject progress = ((Claim.Run) claim).progress();
      if (progress.getJsonObject("user_message") != null) {
        // An earlier attempt died after storing the user message: carry on from there.
        conversationId = progress.getString("conversation_id");
        userMessage = progress.getJsonObject("user_message");
        // The user message is stored already: a failure from here on is the key's answer.
        return limit().compose(v -> converse())
            .transform(ar -> settle(ar.succeeded() ? ar.result() : null, ar.cause()));
      }
      if (streamAddress == null) {
        return inOneCommit();
      }
      return limit()
          .compose(v -> branch())
          .compose(v -> storeUserMessage())
          .recover(beforeWrite -> release().transform(ignored -> Future.failedFuture(beforeWrite)))
          .compose(v -> converse())
          .transform(ar -> settle(ar.succeeded() ? ar.result() : null, ar.cause()));
    }).andThen(done -> {
      leases.drop(attempt);
      if (relay != null) {
        relay.finish(done.succeeded() ? "message" : "error", done.succeeded() ? done.result().body()
            : (done.cause() instanceof Problem p ? p : Problem.internal()).toJson());
      }
    });
  }

  /**
   * A turn that is not streamed: the context with the new message in memory, the model, then one
   * commit of the user message and the answer; the user message alone when the model failed.
   */
  private Future<Reply> inOneCommit() {
    boolean newConversation = request.conversationId() == null;
    conversationId = newConversation ? UUID.randomUUID().toString() : request.conversationId().toString();
    return limit()
        .compose(v -> branch())
        .compose(v -> assembly.withNewMessage(bus, conversationId, newConversation, prepared))
        .recover(beforeModel -> release().transform(ignored -> Future.failedFuture(beforeModel)))
        .compose(plan -> complete(plan, false).transform(ar -> {
          JsonArray input = new JsonArray(new ArrayList<>(prepared.input()));
          JsonObject append = new JsonObject().put("conversation_id", conversationId)
              .put("new_conversation", newConversation);
          if (ar.failed()) {
            Problem problem = ar.cause() instanceof Problem p ? p : Problem.internal();
            if (input.isEmpty()) {
              // A regenerate that failed has nothing of its own to keep.
              return release().transform(ignored -> Future.failedFuture(problem));
            }
            append.put("messages", input)
                .put("turn_failure", new JsonObject().put("status", problem.status()).put("response", problem.toJson()));
            // The user message is kept, the failure is the key's answer; if even that cannot be stored, the key is free.
            return bus.request(InternalAddresses.TURN_APPEND, append, keyed())
                .recover(unstored -> release().transform(ignored -> Future.failedFuture(problem)))
                .compose(stored -> Future.failedFuture(problem));
          }
          Answered answered = ar.result();
          Answer answer;
          try {
            answer = answer(answered);
          } catch (Problem problem) {
            return Future.failedFuture(problem);
          }
          if (input.isEmpty()) {
            // A regenerate answers a stored message: it is the turn's user_message.
            answer.response().put("user_message", userMessage);
          }
          append.put("messages", input.copy().add(answer.assistant())).put("turn_response", answer.response());
          return bus.request(InternalAddresses.TURN_APPEND, append, keyed())
              .recover(unstored -> release().transform(ignored -> Future.failedFuture(unstored)))
              .map(stored -> {
                JsonArray data = stored.body().getJsonArray("data");
                userMessage = input.isEmpty() ? userMessage : data.getJsonObject(input.size() - 1);
                refreshSummary(answered.plan());
                return Reply.ok(answer.response().copy().put("user_message", userMessage)
                    .put("message", data.getJsonObject(input.size())));
              });
        }));
  }

  private Future<Claim> claim() {
    if (idempotencyKey == null) {
      return Future.succeededFuture(new Claim.Run(new JsonObject()));
    }
    DeliveryOptions options = keyed().addHeader(BusHeaders.REQUEST_HASH, requestHash == null ? "" : requestHash);
    leases.hold(attempt);
    return bus.request(InternalAddresses.IDEMPOTENCY_CLAIM, new JsonObject().put("operation", Addresses.CHAT_TURN)
        .put("attempt", attempt.toString()), options)
        .map(reply -> reply.replayed() ? new Claim.Replay(reply)
            : new Claim.Run(reply.body().getJsonObject("progress", new JsonObject())));
  }

  private Future<Void> release() {
    if (idempotencyKey == null) {
      return Future.succeededFuture();
    }
    return bus.request(InternalAddresses.IDEMPOTENCY_RELEASE, new JsonObject().put("attempt", attempt.toString()), keyed())
        .mapEmpty();
  }

  /** Options that name the key and this attempt, for the store's writes under the key. */
  private DeliveryOptions keyed() {
    DeliveryOptions options = new DeliveryOptions();
    if (idempotencyKey != null) {
      options.addHeader(BusHeaders.IDEMPOTENCY_KEY, idempotencyKey).addHeader(BusHeaders.TURN_ATTEMPT, attempt.toString());
    }
    return options;
  }

  /** Stores the turn's answer (success or failure) under its idempotency key, once the user message is stored. */
  private Future<Reply> settle(Reply reply, Throwable failure) {
    Future<Void> stored = Future.succeededFuture();
    if (idempotencyKey != null && userMessage != null) {
      Problem problem = failure == null ? null : (failure instanceof Problem p ? p : Problem.internal());
      if (problem != null) {
        // A successful turn completed its key with its answer; a failed one stores the failure.
        JsonObject record = new JsonObject().put("status", problem.status()).put("response", problem.toJson())
            .put("attempt", attempt.toString());
        stored = bus.request(InternalAddresses.IDEMPOTENCY_COMPLETE, record, keyed()).mapEmpty();
      }
    }
    return stored.transform(ignored -> failure == null ? Future.succeededFuture(reply) : Future.failedFuture(failure));
  }

  private Future<Void> limit() {
    reservedTokens = messageCost + budget.maxOutput();
    return limits.admit(bus.owner(), reservedTokens);
  }

  /**
   * An edit or a regenerate (parent_id): the conversation goes on after the parent on a branch of
   * its own, made current before the context is read. A regenerate (no input of its own) answers
   * the parent, which is then the turn's user_message.
   */
  private Future<Void> branch() {
    if (request.parentId() == null) {
      return Future.succeededFuture();
    }
    JsonObject at = new JsonObject().put("conversation_id", request.conversationId().toString())
        .put("message_id", request.parentId().toString());
    return bus.request(Addresses.BRANCHES_CREATE, at).compose(made -> prepared.input().isEmpty()
        ? bus.request(Addresses.MESSAGES_GET, at).map(parent -> {
          userMessage = parent.body();
          return (Void) null;
        })
        : Future.succeededFuture());
  }

  private Future<Void> storeUserMessage() {
    if (prepared.input().isEmpty()) {
      conversationId = request.conversationId().toString();
      return Future.succeededFuture(); // a regenerate: its user message is the parent, stored before
    }
    Future<String> conversation = request.conversationId() != null
        ? Future.succeededFuture(request.conversationId().toString())
        : bus.request(Addresses.CONVERSATIONS_CREATE, new JsonObject())
            .map(r -> Replies.Conversation.fromJson(r.body()).id().toString());
    return conversation.compose(id -> {
      conversationId = id;
      return bus.request(InternalAddresses.TURN_APPEND, new JsonObject().put("conversation_id", id)
          .put("messages", new JsonArray(new ArrayList<>(prepared.input()))), keyed());
    }).map(r -> {
      JsonArray stored = r.body().getJsonArray("data");
      // The turn id is the id of its last input message (the user's message, or its last tool result).
      userMessage = stored.getJsonObject(stored.size() - 1);
      return null;
    });
  }

  private Future<Reply> converse() {
    return startRelay()
        .compose(v -> assembly.read(bus, conversationId, request, budget, 0, request.lastN(), List.of()))
        .compose(plan -> complete(plan, false))
        .compose(this::storeAnswer);
  }

  /**
   * A streamed turn gets its id once its user message is stored and announces it to the caller as
   * its first event; its deltas pass through the relay.
   */
  private Future<Void> startRelay() {
    if (streamAddress == null) {
      return Future.succeededFuture();
    }
    relay = new TurnRelay(streaming.vertx(), streaming.log(), turnId(), bus.owner(), streamAddress, streaming.stallMs());
    return relay.start(conversationId, userMessage);
  }

  /**
   * The turn's id: its user message's id; a regenerate, which stores no input of its own, gets the id
   * its answer will be stored with (the user message is then the parent, answered again and again).
   */
  private UUID turnId() {
    return prepared.input().isEmpty() ? regenerateId : UUID.fromString(userMessage.getString("id"));
  }

  /** What the model answered, and the plan it answered (tighter than the first after a "context too long"). */
  private record Answered(ContextPlan plan, JsonObject llm) {
  }

  /** The answer to store, and the turn's response without its stored messages. */
  private record Answer(JsonObject assistant, JsonObject response, boolean failedMidStream) {
  }

  /** Calls the model; a "context too long" answer gets one more try with a tighter plan. */
  private Future<Answered> complete(ContextPlan plan, boolean tightened) {
    JsonObject call = new JsonObject()
        .put("model", budget.model().name())
        .put("system", plan.system())
        .put("messages", plan.providerMessages())
        .put("max_output_tokens", budget.maxOutput())
        .put("tools", request.tools())
        .put("tool_choice", request.toolChoice())
        .put("sampling", request.sampling().toJson())
        .put("estimated_prompt_tokens", plan.promptTokens())
        .put("conversation_id", conversationId)
        .put("stream_address", relay == null ? null : relay.address());
    return bus.request(InternalAddresses.LLM_COMPLETE, call).transform(ar -> {
      if (ar.succeeded()) {
        return Future.succeededFuture(new Answered(plan, ar.result().body()));
      }
      Throwable failure = ar.cause();
      if (!tightened && failure instanceof Problem p && p.type() == ProblemType.CONTEXT_TOO_LONG) {
        ContextPlan tighter = plan.tighter();
        if (tighter.messages().size() < plan.messages().size()) {
          return complete(tighter, true);
        }
      }
      return Future.failedFuture(failure);
    });
  }

  /** Settles the tokens the turn reserved and shapes the answer; a stream that ended with nothing fails. */
  private Answer answer(Answered answered) {
    ContextPlan plan = answered.plan();
    JsonObject llm = answered.llm();
    boolean interrupted = "interrupted".equals(llm.getString("outcome"));
    JsonObject usage = llm.getJsonObject("usage");
    limits.settle(bus.owner(), usage.getLong("prompt_tokens") + usage.getLong("completion_tokens") - reservedTokens);
    String content = llm.getString("content", "");
    JsonArray toolCalls = llm.getJsonArray("tool_calls");
    if (content.isEmpty() && toolCalls == null) {
      if (interrupted) {
        throw llm.getJsonObject("error") == null ? Problem.badRequest("The client went away")
            : Problem.fromJson(llm.getJsonObject("error"));
      }
      content = " ";
    }
    JsonObject assistant = new JsonObject().put("role", "assistant").put("content", content)
        .put("model", llm.getString("model")).put("status", interrupted ? "interrupted" : "complete");
    if (toolCalls != null) {
      assistant.put("tool_calls", toolCalls);
    }
    long prompt = usage.getLong("prompt_tokens");
    long completion = usage.getLong("completion_tokens");
    JsonObject response = new JsonObject()
        .put("conversation_id", conversationId)
        .put("usage", new JsonObject().put("prompt_tokens", prompt).put("completion_tokens", completion)
            .put("total_tokens", prompt + completion))
        .put("context", new JsonObject().put("strategy", request.strategy().wire())
            .put("messages_included", plan.messages().size())
            .put("messages_dropped", plan.dropped())
            .put("prompt_tokens", plan.promptTokens()))
        .put("tool_calls", toolCalls)
        .put("finish_reason", llm.getString("finish_reason"));
    return new Answer(assistant, response, interrupted && llm.getJsonObject("error") != null);
  }

  /** A streamed turn's answer, after its stored user message. */
  private Future<Reply> storeAnswer(Answered answered) {
    Answer answer;
    try {
      answer = answer(answered);
    } catch (Problem problem) {
      return Future.failedFuture(problem);
    }
    JsonObject response = answer.response().put("user_message", userMessage);
    JsonObject append = new JsonObject().put("conversation_id", conversationId)
        .put("messages", new JsonArray().add(answer.assistant()));
    if (relay != null && prepared.input().isEmpty()) {
      append.put("answer_id", regenerateId.toString());
    }
    if (!answer.failedMidStream()) {
      // The key is completed with this response in the answer's own transaction.
      append.put("turn_response", response);
    }
    Future<Boolean> mine = relay == null ? Future.succeededFuture(true) : relay.settle();
    return mine.compose(settled -> settled ? bus.request(InternalAddresses.TURN_APPEND, append, keyed())
        : Future.failedFuture(Problem.conflict("Another node took this turn over after this one stopped answering")))
        .compose(stored -> {
      JsonObject message = stored.body().getJsonArray("data").getJsonObject(0);
      if (answer.failedMidStream()) {
        return Future.failedFuture(Problem.fromJson(answered.llm().getJsonObject("error")));
      }
      refreshSummary(answered.plan());
      return Future.succeededFuture(Reply.ok(response.copy().put("message", message)));
    });
  }

  /** The summary strategy moves its summary up to the oldest message the turn sent (its user message at the latest). */
  private void refreshSummary(ContextPlan plan) {
    if (request.strategy() == ContextStrategy.SUMMARY) {
      long oldest = plan.oldestSeq() == 0 ? userMessage.getLong("seq") : plan.oldestSeq();
      summaries.maybeRefresh(bus, conversationId, budget.model(), plan.dropped(), oldest);
    }
  }
}
