package dev.parley.chat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a turn sends: the system text (with the rolling summary), and the newest messages that fit,
 * oldest first. Pure: built from counted messages, never re-tokenising history.
 *
 * <p>Tool calls and their results travel together: an assistant message's tool calls are sent only
 * with the results that follow it, and a result only after its call ({@link #paired}). A window
 * that cuts between the two leaves both out (the call's text, if any, stays).
 */
public final class ContextPlan {

  /** Tokens every prompt spends on priming the reply. */
  public static final int PRIMING_TOKENS = 3;

  private final String system;
  private final int systemTokens;
  private final List<JsonObject> window;
  private final long windowDropped;
  private final int perMessage;
  private final List<JsonObject> messages;
  private final long promptTokens;

  /**
   * @param system        system prompt plus summary, or null
   * @param window        the messages the window holds, oldest first, before calls and results are paired
   * @param windowDropped messages of the conversation the window left out (not those the summary covers)
   * @param perMessage    tokens counted per message on top of its content
   */
  private ContextPlan(String system, int systemTokens, List<JsonObject> window, long windowDropped, int perMessage) {
    this.system = system;
    this.systemTokens = systemTokens;
    this.window = window;
    this.windowDropped = windowDropped;
    this.perMessage = perMessage;
    this.messages = paired(window);
    long used = 0;
    for (JsonObject m : messages) {
      used += m.getInteger("token_count") + (long) perMessage;
    }
    this.promptTokens = used + systemTokens + PRIMING_TOKENS;
  }

  /** System prompt plus summary, or null. */
  public String system() {
    return system;
  }

  public int systemTokens() {
    return systemTokens;
  }

  /** The messages sent, oldest first, each {id, seq, role, content, token_count, tool_calls?, tool_call_id?}. */
  public List<JsonObject> messages() {
    return messages;
  }

  /** Estimated prompt size: system, messages with their overhead, reply priming. */
  public long promptTokens() {
    return promptTokens;
  }

  /** Messages of the conversation left out, by the window or by pairing (not those the summary covers). */
  public long dropped() {
    return windowDropped + window.size() - messages.size();
  }

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
    return new ContextPlan(system, systemTokens, kept, droppedBefore + (oldestFirst.size() - kept.size()), perMessage);
  }

  /** The same plan with a quarter fewer message tokens: the oldest messages go first. */
  public ContextPlan tighter() {
    long messageTokens = promptTokens - systemTokens - PRIMING_TOKENS;
    return fit(system, systemTokens, messages, messageTokens * 3 / 4, perMessage, dropped());
  }

  /**
   * This plan with messages not stored yet (no id, no seq) as its newest: the turn's tool results,
   * then its user message. Their calls, in the window, are paired with them; a window that left a
   * call out has left its result out too.
   */
  public ContextPlan plus(List<JsonObject> newest) {
    List<JsonObject> all = new ArrayList<>(window);
    all.addAll(newest);
    return new ContextPlan(system, systemTokens, all, windowDropped, perMessage);
  }

  /**
   * The messages a provider accepts: an assistant message keeps the tool calls answered by the
   * tool results right after it, and those results follow it; a call without its result loses the
   * call (the message stays when it has text), a result without its call is left out.
   */
  static List<JsonObject> paired(List<JsonObject> oldestFirst) {
    List<JsonObject> out = new ArrayList<>(oldestFirst.size());
    int i = 0;
    while (i < oldestFirst.size()) {
      JsonObject m = oldestFirst.get(i);
      String role = m.getString("role");
      if ("tool".equals(role)) {
        i++; // its call is not in the window
        continue;
      }
      JsonArray calls = "assistant".equals(role) ? m.getJsonArray("tool_calls") : null;
      if (calls == null) {
        out.add(m);
        i++;
        continue;
      }
      Map<String, JsonObject> results = new LinkedHashMap<>();
      int j = i + 1;
      for (; j < oldestFirst.size() && "tool".equals(oldestFirst.get(j).getString("role")); j++) {
        results.putIfAbsent(oldestFirst.get(j).getString("tool_call_id", ""), oldestFirst.get(j));
      }
      JsonArray answered = new JsonArray();
      List<JsonObject> answers = new ArrayList<>();
      for (Object c : calls) {
        JsonObject result = results.get(((JsonObject) c).getString("id"));
        if (result != null) {
          answered.add(c);
          answers.add(result);
        }
      }
      if (!answered.isEmpty()) {
        out.add(answered.size() == calls.size() ? m : m.copy().put("tool_calls", answered));
        out.addAll(answers);
      } else if (!m.getString("content", "").isBlank()) {
        JsonObject text = m.copy();
        text.remove("tool_calls");
        out.add(text);
      }
      i = j;
    }
    return out;
  }

  /** The messages as a provider takes them: {role, content, tool_calls?, tool_call_id?}, oldest first. */
  public JsonArray providerMessages() {
    JsonArray out = new JsonArray();
    for (JsonObject m : messages) {
      JsonObject message = new JsonObject().put("role", m.getString("role")).put("content", m.getString("content"));
      if (m.getJsonArray("tool_calls") != null) {
        message.put("tool_calls", m.getJsonArray("tool_calls"));
      }
      if (m.getString("tool_call_id") != null) {
        message.put("tool_call_id", m.getString("tool_call_id"));
      }
      out.add(message);
    }
    return out;
  }

  /** The oldest included stored message's seq, or 0 when no stored message is included. */
  public long oldestSeq() {
    Long seq = messages.isEmpty() ? null : messages.get(0).getLong("seq");
    return seq == null ? 0 : seq;
  }
}
