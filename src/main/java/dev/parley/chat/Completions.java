package dev.parley.chat;

import dev.parley.bus.BusEndpoint;
import dev.parley.bus.BusHeaders;
import dev.parley.bus.ChatCompletion;
import dev.parley.bus.InputRules;
import dev.parley.bus.InternalAddresses;
import dev.parley.bus.Problem;
import dev.parley.bus.Reply;
import dev.parley.model.ModelCatalog;
import dev.parley.model.ModelSpec;
import dev.parley.model.TokenCounter;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.UUID;
import java.util.function.BiFunction;

/**
 * parley.chat.completions and parley.models.list: OpenAI's Chat Completions and model list.
 * Stateless, a completion is one model call under the user's limits (retries, breaker, call log
 * and metrics are the LLM verticle's, as for every turn). With a conversation it is a chat turn
 * (stored messages, the conversation's history and context strategy, idempotency) whose answer is
 * told in OpenAI's shape. Streamed pieces reach the caller's stream address exactly as a turn's do.
 */
final class Completions {

  /** Above this many characters a request is counted off the event loop (as stored messages are). */
  private static final int INLINE_CHARS = 8_192;

  private final Vertx vertx;
  private final InputRules rules;
  private final ModelCatalog catalog;
  private final TokenCounter tokens;
  private final int perMessage;
  private final UserLimits limits;
  private final long timeoutMs;
  private final BiFunction<BusEndpoint.Request, JsonObject, Future<Reply>> turns;

  Completions(Vertx vertx, InputRules rules, ModelCatalog catalog, TokenCounter tokens, int perMessage,
              UserLimits limits, long timeoutMs, BiFunction<BusEndpoint.Request, JsonObject, Future<Reply>> turns) {
    this.vertx = vertx;
    this.rules = rules;
    this.catalog = catalog;
    this.tokens = tokens;
    this.perMessage = perMessage;
    this.limits = limits;
    this.timeoutMs = timeoutMs;
    this.turns = turns;
  }

  /** Reply {completion: a chat.completion object, conversation_id: the conversation (null when stateless)}. */
  Future<Reply> complete(BusEndpoint.Request r) {
    ChatCompletion request = ChatCompletion.fromJson(r.body(), rules);
    if (request.withMemory()) {
      return turns.apply(r, request.toTurn()).map(reply -> {
        JsonObject turn = reply.body();
        JsonObject message = turn.getJsonObject("message");
        JsonObject usage = turn.getJsonObject("usage");
        return new Reply(reply.status(), new JsonObject()
            .put("conversation_id", turn.getString("conversation_id"))
            .put("completion", completion("chatcmpl-" + message.getString("id"), message.getString("model"),
                message.getString("content"), turn.getJsonArray("tool_calls"), turn.getString("finish_reason"),
                usage.getLong("prompt_tokens"), usage.getLong("completion_tokens"))), reply.replayed());
      });
    }
    return stateless(r, request);
  }

  private Future<Reply> stateless(BusEndpoint.Request r, ChatCompletion request) {
    ModelSpec model = catalog.resolve(request.model());
    int maxOutput = request.maxOutputTokens() == null ? model.maxOutputTokens() : request.maxOutputTokens();
    if (maxOutput > model.maxOutputTokens()) {
      throw Problem.invalid("/max_tokens", "max_tokens must be at most " + model.maxOutputTokens() + " for this model");
    }
    int chars = 0;
    for (JsonObject m : request.messages()) {
      chars += m.getString("content").length();
    }
    // A stateless request carries its whole history: a long one is counted on a worker thread.
    Future<Long> counted = chars <= INLINE_CHARS ? Future.succeededFuture(promptTokens(request))
        : vertx.executeBlocking(() -> promptTokens(request), false);
    BusCalls bus = new BusCalls(vertx.eventBus(), r.user(), r.requestId(), timeoutMs);
    long[] reserved = {0};
    return counted.compose(prompt -> {
      reserved[0] = prompt + maxOutput;
      JsonObject call = new JsonObject()
          .put("model", model.name())
          .put("messages", request.providerMessages())
          .put("max_output_tokens", maxOutput)
          .put("estimated_prompt_tokens", prompt)
          .put("stream_address", r.header(BusHeaders.STREAM_ADDRESS))
          .put("tools", request.tools())
          .put("tool_choice", request.toolChoice())
          .put("sampling", request.sampling().toJson());
      return limits.admit(r.user(), reserved[0]).compose(v -> bus.request(InternalAddresses.LLM_COMPLETE, call));
    })
        .compose(reply -> {
          JsonObject llm = reply.body();
          JsonObject usage = llm.getJsonObject("usage");
          long promptTokens = usage.getLong("prompt_tokens");
          long completionTokens = usage.getLong("completion_tokens");
          limits.settle(r.user(), promptTokens + completionTokens - reserved[0]);
          if ("interrupted".equals(llm.getString("outcome"))) {
            JsonObject error = llm.getJsonObject("error");
            return Future.failedFuture(error == null ? Problem.badRequest("The client went away") : Problem.fromJson(error));
          }
          return Future.succeededFuture(Reply.ok(new JsonObject().putNull("conversation_id")
              .put("completion", completion("chatcmpl-" + UUID.randomUUID(), llm.getString("model"),
                  llm.getString("content", ""), llm.getJsonArray("tool_calls"), llm.getString("finish_reason"),
                  promptTokens, completionTokens))));
        });
  }

  /** The request's prompt size: its messages (with their tool calls) and the tools' definitions. */
  private long promptTokens(ChatCompletion request) {
    long prompt = request.tools() == null ? 0 : tokens.count(request.tools().encode());
    for (JsonObject m : request.messages()) {
      prompt += tokens.count(m.getString("content")) + perMessage
          + (m.getJsonArray("tool_calls") == null ? 0 : tokens.count(m.getJsonArray("tool_calls").encode()));
    }
    return prompt;
  }

  /** OpenAI's chat.completion object. */
  static JsonObject completion(String id, String model, String content, JsonArray toolCalls, String finishReason,
                               long promptTokens, long completionTokens) {
    JsonObject message = new JsonObject().put("role", "assistant")
        .put("content", toolCalls != null && (content == null || content.isBlank()) ? null : content)
        .putNull("refusal");
    if (toolCalls != null) {
      message.put("tool_calls", toolCalls);
    }
    return new JsonObject()
        .put("id", id)
        .put("object", "chat.completion")
        .put("created", System.currentTimeMillis() / 1000)
        .put("model", model)
        .put("choices", new JsonArray().add(new JsonObject().put("index", 0).put("message", message)
            .putNull("logprobs").put("finish_reason", finishReason == null ? "stop" : finishReason)))
        .put("usage", new JsonObject().put("prompt_tokens", promptTokens).put("completion_tokens", completionTokens)
            .put("total_tokens", promptTokens + completionTokens));
  }

  /** Reply: OpenAI's model list, {object: list, data: [{id, object: model, created, owned_by}]}. */
  Future<Reply> models(BusEndpoint.Request r) {
    JsonArray data = new JsonArray();
    for (ModelSpec spec : catalog.listed()) {
      data.add(new JsonObject().put("id", spec.name()).put("object", "model").put("created", 0)
          .put("owned_by", spec.provider()).put("context_window", spec.contextWindow())
          .put("max_output_tokens", spec.maxOutputTokens()));
    }
    return Future.succeededFuture(Reply.ok(new JsonObject().put("object", "list").put("data", data)));
  }
}
