package dev.parley.chat;

import dev.parley.bus.Addresses;
import dev.parley.bus.InternalAddresses;
import dev.parley.model.ModelSpec;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.HashSet;
import java.util.Set;

/**
 * Keeps a conversation's rolling summary current in the background, for the summary strategy: when
 * a turn left messages out, the newest of those (up to half the model's context window) are merged into the
 * summary by the LLM, and the summary moves forward to just below the messages the turn picked. History is
 * never deleted. At most one refresh per conversation runs at a time on a node.
 */
final class SummaryRefresher {

  private static final Logger LOG = LoggerFactory.getLogger(SummaryRefresher.class);
  static final String INSTRUCTIONS = "You maintain the running summary of a conversation between a user and an "
      + "assistant. Merge the previous summary and the new messages into one concise summary of at most 300 words. "
      + "Keep facts, decisions, names, numbers and open questions. Answer with the summary only.";

  private final Set<String> running = new HashSet<>();
  private final int perMessage;

  SummaryRefresher(int perMessage) {
    this.perMessage = perMessage;
  }

  /** After a turn that left {@code dropped} messages out and sent none older than {@code oldest}. */
  void maybeRefresh(BusCalls bus, String conversationId, ModelSpec model, long dropped, long oldest) {
    if (dropped == 0 || oldest <= 1 || !running.add(conversationId)) {
      return;
    }
    JsonObject query = new JsonObject()
        .put("conversation_id", conversationId)
        .put("budget_tokens", model.contextWindow() / 2)
        .put("per_message_tokens", perMessage)
        .put("use_summary", true)
        .put("below_seq", oldest);
    bus.request(InternalAddresses.MESSAGES_CONTEXT, query).compose(picked -> {
      JsonArray messages = picked.body().getJsonArray("messages");
      if (messages.isEmpty()) {
        return Future.succeededFuture();
      }
      StringBuilder prompt = new StringBuilder("Previous summary:\n")
          .append(picked.body().getString("summary") == null ? "(none)" : picked.body().getString("summary"))
          .append("\n\nNew messages:\n");
      for (Object m : messages) {
        JsonObject message = (JsonObject) m;
        prompt.append(message.getString("role")).append(": ").append(message.getString("content")).append('\n');
      }
      JsonObject call = new JsonObject()
          .put("model", model.name())
          .put("system", INSTRUCTIONS)
          .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", prompt.toString())))
          .put("max_output_tokens", Math.min(512, model.maxOutputTokens()))
          .put("estimated_prompt_tokens", model.contextWindow() / 2)
          .put("conversation_id", conversationId);
      return bus.request(InternalAddresses.LLM_COMPLETE, call).compose(answer -> bus.request(InternalAddresses.CONVERSATIONS_SUMMARY,
          new JsonObject().put("id", conversationId).put("summary", answer.body().getString("content"))
              .put("upto_seq", oldest - 1)));
    }).onComplete(ar -> {
      running.remove(conversationId);
      if (ar.failed()) {
        LOG.warn("Summary refresh failed for a conversation: {}", ar.cause().getClass().getSimpleName());
      }
    });
  }
}
