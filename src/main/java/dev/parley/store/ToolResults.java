package dev.parley.store;

import dev.parley.bus.InputRules;
import dev.parley.bus.NewMessage;
import dev.parley.bus.Problem;
import dev.parley.bus.Role;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;

/**
 * Which tool calls of a conversation wait for their result, and the check that a turn's tool
 * results answer exactly those. A call is pending when it belongs to the conversation's newest
 * message other than a tool result (an assistant message with tool calls) and no result after
 * that message answers it. Results for anything else would give every provider a context it
 * refuses, so they are turned away before anything is written or sent.
 */
final class ToolResults {

  /** Rows read to find the pending calls: the newest non-tool message and the results after it. */
  static final int ROWS = InputRules.MAX_TOOL_CALLS + 1;

  private ToolResults() {
  }

  /** The pending call ids, from the conversation's newest visible rows (role, tool_calls, tool_call_id), newest first. */
  static Set<String> pending(Iterable<Row> newestFirst) {
    Set<String> answered = new LinkedHashSet<>();
    for (Row row : newestFirst) {
      if (row.getValue("role") == null) {
        break; // a conversation without messages (the head row of a left join)
      }
      if (Role.TOOL.wire().equals(row.getString("role"))) {
        if (row.getString("tool_call_id") != null) {
          answered.add(row.getString("tool_call_id"));
        }
        continue;
      }
      Set<String> pending = new LinkedHashSet<>();
      if (row.getValue("tool_calls") instanceof JsonArray calls) {
        for (Object call : calls) {
          if (call instanceof JsonObject c && c.getString("id") != null && !answered.contains(c.getString("id"))) {
            pending.add(c.getString("id"));
          }
        }
      }
      return pending;
    }
    return Set.of();
  }

  /** 422 unless every tool result in {@code messages} answers a pending call, each once. */
  static void check(Set<String> pending, List<NewMessage> messages) {
    List<String> ids = new ArrayList<>();
    for (NewMessage m : messages) {
      if (m.role() == Role.TOOL && m.toolCallId() != null) {
        ids.add(m.toolCallId());
      }
    }
    checkIds(pending, ids);
  }

  /** 422 unless every id in {@code toolCallIds} is a pending call, each once. */
  static void checkIds(Set<String> pending, List<String> toolCallIds) {
    Set<String> seen = new LinkedHashSet<>();
    for (String id : toolCallIds) {
      if (!pending.contains(id) || !seen.add(id)) {
        throw Problem.unprocessable("A tool result must answer a pending tool call of this conversation, once; "
            + "pending: " + (pending.isEmpty() ? "none" : String.join(", ", pending)));
      }
    }
  }

  /**
   * Inside a turn's write: 422 unless the tool results among {@code messages} answer pending calls
   * of the conversation, read in the same transaction (a new conversation has none).
   */
  static Future<Void> checkPending(SqlConnection tx, UUID conversationId, boolean newConversation,
                                   List<NewMessage> messages) {
    if (messages.stream().noneMatch(m -> m.role() == Role.TOOL && m.toolCallId() != null)) {
      return Future.succeededFuture();
    }
    Future<Set<String>> pending = newConversation ? Future.succeededFuture(Set.of())
        : tx.preparedQuery(SqlQueries.toolCallTail()).execute(Tuple.of(conversationId, ROWS)).map(ToolResults::pending);
    return pending.map(calls -> {
      check(calls, messages);
      return null;
    });
  }
}
