package dev.parley.chat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;

/**
 * What a turn sends: the system text (with the rolling summary), and the newest messages that fit,
 * oldest first. Pure: built from counted messages, never re-tokenising history.
 *
 * @param system       system prompt plus summary, or null
 * @param messages     the picked messages, oldest first, each {id, seq, role, content, token_count}
 * @param promptTokens estimated prompt size: system, messages with their overhead, reply priming
 * @param dropped      messages of the conversation left out (not counting those the summary covers)
 * @param perMessage   tokens counted per message on top of its content
 */
public record ContextPlan(String system, int systemTokens, List<JsonObject> messages, long promptTokens, long dropped,
                          int perMessage) {

  /** Tokens every prompt spends on priming the reply. */
  public static final int PRIMING_TOKENS = 3;

  /**
   * Keeps the newest messages whose tokens (plus {@code perMessage} each) fit {@code budget};
   * the newest message always stays, so callers check it fits first.
   */
  public static ContextPlan fit(String system, int systemTokens, List<JsonObject> oldestFirst, long budget,
                                int perMessage, long droppedBefore) {
    List<JsonObject> kept = new ArrayList<>();
    long used = 0;
    for (int i = oldestFirst.size() - 1; i >= 0; i--) {
      JsonObject m = oldestFirst.get(i);
      long cost = m.getInteger("token_count") + (long) perMessage;
      if (used + cost > budget && !kept.isEmpty()) {
        break;
      }
      used += cost;
      kept.add(0, m);
    }
    long dropped = droppedBefore + (oldestFirst.size() - kept.size());
    return new ContextPlan(system, systemTokens, kept, used + systemTokens + PRIMING_TOKENS, dropped, perMessage);
  }

  /** The same plan with a quarter fewer message tokens: the oldest messages go first. */
  public ContextPlan tighter() {
    long messageTokens = promptTokens - systemTokens - PRIMING_TOKENS;
    return fit(system, systemTokens, messages, messageTokens * 3 / 4, perMessage, dropped);
  }

  /** This plan with a message not stored yet (no id, no seq) as its newest, costing {@code cost} tokens. */
  public ContextPlan plus(JsonObject newest, int cost) {
    List<JsonObject> all = new ArrayList<>(messages);
    all.add(newest);
    return new ContextPlan(system, systemTokens, all, promptTokens + cost, dropped, perMessage);
  }

  /** The messages as a provider takes them: {role, content}, oldest first. */
  public JsonArray providerMessages() {
    JsonArray out = new JsonArray();
    for (JsonObject m : messages) {
      out.add(new JsonObject().put("role", m.getString("role")).put("content", m.getString("content")));
    }
    return out;
  }

  /** The oldest included stored message's seq, or 0 when no stored message is included. */
  public long oldestSeq() {
    Long seq = messages.isEmpty() ? null : messages.get(0).getLong("seq");
    return seq == null ? 0 : seq;
  }
}
