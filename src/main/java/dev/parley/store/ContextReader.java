package dev.parley.store;

import dev.parley.bus.Problem;
import dev.parley.bus.Reply;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.UUID;

/**
 * Reads the newest messages of a conversation that fit a token budget, newest first, page by page,
 * stopping at the first one that does not fit (a context never skips a message). It reads only
 * what can fit plus one page, so its cost does not grow with the conversation's length.
 */
final class ContextReader {

  private static final int FIRST_PAGE = 64;
  private static final int MAX_PAGE = 256;

  private final Pool pool;

  ContextReader(Pool pool) {
    this.pool = pool;
  }

  /**
   * In: {conversation_id, budget_tokens, per_message_tokens, max_messages (0: any), use_summary,
   * below_seq (default: after the newest), tool_call_ids? (the turn's tool results: each must answer a
   * pending call, else 422)}.
   * Out: {messages (oldest first: id, seq, role, content, token_count, tool_calls?, tool_call_id?), prompt_tokens, stopped_by
   * (budget|max_messages|start), summary, summary_upto_seq, last_seq, dropped}.
   */
  Future<Reply> read(String owner, JsonObject query) {
    UUID conversationId = Ids.conversation(query.getValue("conversation_id"));
    long budget = query.getLong("budget_tokens", 0L);
    int overhead = query.getInteger("per_message_tokens", 0);
    int maxMessages = query.getInteger("max_messages", 0);
    boolean useSummary = query.getBoolean("use_summary", false);
    Long belowSeq = query.getLong("below_seq");
    // The conversation's head and its first page in one statement: one round trip for most turns.
    return pool.preparedQuery(SqlQueries.contextFirstPage())
        .execute(Tuple.of(conversationId, owner, belowSeq, useSummary, FIRST_PAGE)).compose(rows -> {
      if (rows.size() == 0) {
        return Future.failedFuture(Problem.notFound("The conversation"));
      }
      Row head = rows.iterator().next();
      if (head.getBoolean("cold")) {
        return Future.failedFuture(new ColdConversation(conversationId));
      }
      if (query.getValue("tool_call_ids") instanceof JsonArray ids && !ids.isEmpty()) {
        List<String> answering = new ArrayList<>();
        ids.forEach(id -> answering.add(String.valueOf(id)));
        ToolResults.checkIds(ToolResults.pending(rows), answering);
      }
      String summary = useSummary ? head.getString("summary") : null;
      long lower = summary == null ? 0 : head.getLong("summary_upto_seq");
      long lastSeq = head.getLong("last_seq");
      long below = belowSeq == null ? lastSeq + 1 : belowSeq;
      Picked picked = new Picked(budget, overhead, maxMessages);
      List<Row> firstPage = new ArrayList<>(rows.size());
      for (Row row : rows) {
        if (row.getUUID("id") != null) {
          firstPage.add(row);
        }
      }
      return pick(conversationId, firstPage, below, lower, FIRST_PAGE, picked).map(done -> {
        List<JsonObject> oldestFirst = new ArrayList<>(picked.messages);
        Collections.reverse(oldestFirst);
        return Reply.ok(new JsonObject()
            .put("messages", new JsonArray(new ArrayList<>(oldestFirst)))
            .put("prompt_tokens", picked.used)
            .put("stopped_by", picked.stoppedBy)
            .put("summary", summary)
            .put("summary_upto_seq", summary == null ? 0 : lower)
            .put("last_seq", lastSeq)
            .put("dropped", Math.max(0, dropped(head, belowSeq, summary, below, lower) - picked.messages.size())));
      });
    });
  }

  /**
   * The candidates for the context: the conversation's visible messages (deleted ones have left the
   * count) for a whole read; otherwise the seqs between the summary and {@code below}, deleted ones
   * included (only the summary refresh reads below a seq, and it uses no count).
   */
  private static long dropped(Row head, Long belowSeq, String summary, long below, long lower) {
    return belowSeq == null && summary == null ? head.getInteger("message_count") : below - 1 - lower;
  }

  /** The messages picked for the context so far, newest first, and why picking stopped. */
  private static final class Picked {
    final long budget;
    final int overhead;
    final int maxMessages;
    final List<JsonObject> messages = new ArrayList<>();
    long used;
    String stoppedBy = "start";

    Picked(long budget, int overhead, int maxMessages) {
      this.budget = budget;
      this.overhead = overhead;
      this.maxMessages = maxMessages;
    }

    /** False when this message does not fit, which ends the picking. */
    boolean offer(Row row) {
      if (maxMessages > 0 && messages.size() >= maxMessages) {
        stoppedBy = "max_messages";
        return false;
      }
      long cost = row.getInteger("token_count") + (long) overhead;
      if (used + cost > budget) {
        stoppedBy = "budget";
        return false;
      }
      used += cost;
      JsonObject message = new JsonObject()
          .put("id", row.getUUID("id").toString())
          .put("seq", row.getLong("seq"))
          .put("role", row.getString("role"))
          .put("content", row.getString("content"))
          .put("token_count", row.getInteger("token_count"));
      if (row.getValue("tool_calls") != null) {
        message.put("tool_calls", row.getValue("tool_calls"));
      }
      if (row.getString("tool_call_id") != null) {
        message.put("tool_call_id", row.getString("tool_call_id"));
      }
      messages.add(message);
      return true;
    }
  }

  /** Offers a page (newest first, read below {@code below}) and reads the next, twice as large, while all fit. */
  private Future<Void> pick(UUID conversationId, Iterable<Row> rows, long below, long above, int pageSize, Picked picked) {
    long lowest = below;
    int read = 0;
    for (Row row : rows) {
      read++;
      if (!picked.offer(row)) {
        return Future.succeededFuture();
      }
      lowest = row.getLong("seq");
    }
    if (read < pageSize) {
      picked.stoppedBy = "start";
      return Future.succeededFuture();
    }
    long next = lowest;
    int nextSize = Math.min(MAX_PAGE, pageSize * 2);
    return pool.preparedQuery(SqlQueries.contextPage()).execute(Tuple.of(conversationId, next, above, nextSize))
        .compose(page -> pick(conversationId, page, next, above, nextSize, picked));
  }
}
