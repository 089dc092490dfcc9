package dev.parley.store;

import dev.parley.bus.ListOrder;
import dev.parley.bus.NewMessage;
import dev.parley.bus.Problem;
import dev.parley.bus.Reply;
import dev.parley.bus.Requests;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/** Appending messages (gapless seq per conversation) and paging through history. */
final class MessageStore {

  private final Pool pool;
  private final Optional<CachedReads> cache;
  private final Branches branches;

  /** @param cache empty when no Redis is configured */
  MessageStore(Pool pool, Optional<CachedReads> cache, Branches branches) {
    this.branches = branches;
    this.pool = pool;
    this.cache = cache;
  }

  /**
   * Appends counted messages inside {@code tx}. Reserving the sequence numbers locks the
   * conversation row, which orders concurrent appends; the conversation's counters, title and
   * updated_at change in the same transaction. Answers {conversation, messages}.
   */
  Future<JsonObject> append(SqlConnection tx, String owner, UUID conversationId, List<NewMessage> messages) {
    return append(tx, owner, conversationId, messages, null);
  }

  /** The same, the last message with the id {@code lastId} (null: a new one). */
  Future<JsonObject> append(SqlConnection tx, String owner, UUID conversationId, List<NewMessage> messages, UUID lastId) {
    Tuple reserve = Tuple.of(conversationId, owner, messages.size(), tokens(messages), Titles.fromMessages(messages));
    return tx.preparedQuery(SqlQueries.reserveSeqs()).execute(reserve).compose(reserved -> {
      if (reserved.size() == 0) {
        return Future.failedFuture(Problem.notFound("The conversation"));
      }
      Row row = reserved.iterator().next();
      long firstSeq = row.getLong("last_seq") - messages.size() + 1;
      List<Tuple> batch = new ArrayList<>(messages.size());
      for (int i = 0; i < messages.size(); i++) {
        // Appends grow the conversation's current branch.
        UUID id = i == messages.size() - 1 && lastId != null ? lastId : UUID.randomUUID();
        batch.add(row(conversationId, firstSeq + i, messages.get(i), row.getInteger("current_branch"), id));
      }
      JsonObject conversation = Rows.conversation(row);
      return tx.preparedQuery(SqlQueries.insertMessage()).executeBatch(batch)
          .map(inserted -> new JsonObject().put("conversation", conversation).put("messages", collect(inserted)));
    });
  }

  /** The insertMessage parameters of one message, on {@code branch}. */
  static Tuple row(UUID conversationId, long seq, NewMessage m, int branch) {
    return row(conversationId, seq, m, branch, UUID.randomUUID());
  }

  /** The same with the message's {@code id}. */
  static Tuple row(UUID conversationId, long seq, NewMessage m, int branch, UUID id) {
    return Tuple.from(new Object[] {conversationId, seq, id, m.role().wire(), m.content(),
        m.tokenCount(), m.model(), m.sources(), m.metadata(), m.toolCalls(), m.status().wire(), m.selectedText(),
        m.toolCallId(), branch});
  }

  /** Total tokens of a batch of counted messages. */
  static long tokens(List<NewMessage> messages) {
    long tokens = 0;
    for (NewMessage m : messages) {
      tokens += m.tokenCount();
    }
    return tokens;
  }

  /** One visible message of the owner's conversation; 404 for any other. */
  Future<Reply> get(String owner, Requests.MessageRef ref) {
    return pool.preparedQuery(SqlQueries.getMessage()).execute(Tuple.of(ref.conversationId(), owner, ref.messageId()))
        .compose(rows -> rows.size() == 0 ? Future.failedFuture(Problem.notFound("The message"))
            : Future.succeededFuture(Reply.ok(Rows.message(rows.iterator().next()))));
  }

  /** Replaces a visible message's metadata; answers the message. */
  Future<Reply> updateMetadata(String owner, Requests.UpdateMessage change) {
    return pool.preparedQuery(SqlQueries.updateMessageMetadata())
        .execute(Tuple.of(change.conversationId(), owner, change.messageId(), change.metadata()))
        .compose(rows -> rows.size() == 0 ? Future.failedFuture(Problem.notFound("The message"))
            : Future.succeededFuture(Reply.ok(Rows.message(rows.iterator().next()))));
  }

  /**
   * Deletes one message (soft) and takes it out of the conversation's counters in one statement;
   * answers the conversation as it is now. A message deleted before is not found.
   */
  Future<JsonObject> delete(String owner, Requests.MessageRef ref) {
    return pool.preparedQuery(SqlQueries.deleteMessage()).execute(Tuple.of(ref.conversationId(), owner, ref.messageId()))
        .compose(rows -> rows.size() == 0 ? Future.failedFuture(Problem.notFound("The message"))
            : Future.succeededFuture(Rows.conversation(rows.iterator().next())));
  }

  /** Reads the rows of one page: seq strictly between lower and upper, in scan order, limit + 1 at most. */
  @FunctionalInterface
  interface PageReader {
    Future<RowSet<Row>> read(long lower, long upper, boolean scanDescending, int limit);
  }

  /** One page of history; see docs/architecture.md for the cursor rules. */
  Future<Reply> list(String owner, Requests.ListMessages query) {
    UUID conversationId = query.conversationId();
    int limit = query.limit();
    boolean descending = query.order() == ListOrder.DESC;
    UUID after = query.after();
    UUID before = query.before();
    if (query.branch() != null) {
      // Another branch's path, or every branch (?branch=all): not the current path, so not cached.
      PageReader reader = Requests.ListMessages.ALL_BRANCHES.equals(query.branch())
          ? (lower, upper, scanDescending, n) -> pool.preparedQuery(SqlQueries.allMessages(scanDescending))
              .execute(Tuple.of(conversationId, lower, upper, n))
          : (lower, upper, scanDescending, n) -> branches.page(conversationId, Integer.parseInt(query.branch()), lower,
              upper, scanDescending, n);
      return withCursors(owner, conversationId, limit, descending, after, before, reader);
    }
    return cache.map(reads -> reads.messages(owner, conversationId, descending, after, before, limit,
            () -> fromDatabase(owner, conversationId, limit, descending, after, before)))
        .orElseGet(() -> fromDatabase(owner, conversationId, limit, descending, after, before));
  }

  private Future<Reply> fromDatabase(String owner, UUID conversationId, int limit, boolean descending, UUID after,
                                     UUID before) {
    if (after == null && before == null) {
      String sql = descending ? SqlQueries.firstPageDescending() : SqlQueries.firstPageAscending();
      return pool.preparedQuery(sql).execute(Tuple.of(conversationId, owner, limit + 1)).compose(rows -> rows.size() > 0
          ? Future.succeededFuture(Reply.ok(Rows.pageBytes(rows, limit, false)))
          : withCursors(owner, conversationId, limit, descending, null, null));
    }
    return withCursors(owner, conversationId, limit, descending, after, before);
  }

  private Future<Reply> withCursors(String owner, UUID conversationId, int limit, boolean descending, UUID after,
                                    UUID before) {
    return withCursors(owner, conversationId, limit, descending, after, before, (lower, upper, scanDescending, n) ->
        pool.preparedQuery(scanDescending ? SqlQueries.messagesDescending() : SqlQueries.messagesAscending())
            .execute(Tuple.of(conversationId, lower, upper, n)));
  }

  private Future<Reply> withCursors(String owner, UUID conversationId, int limit, boolean descending, UUID after,
                                    UUID before, PageReader reader) {
    return pool.preparedQuery(SqlQueries.messageCursors())
        .execute(Tuple.of(conversationId, owner, after, before))
        .compose(cursors -> {
          if (cursors.size() == 0) {
            return Future.failedFuture(Problem.notFound("The conversation"));
          }
          Row row = cursors.iterator().next();
          if (row.getBoolean("cold")) {
            return Future.failedFuture(new ColdConversation(conversationId));
          }
          Long afterSeq = row.getLong("after_seq");
          Long beforeSeq = row.getLong("before_seq");
          if (after != null && afterSeq == null) {
            return Future.failedFuture(Problem.invalid("/after", "after must be the id of a message in this conversation"));
          }
          if (before != null && beforeSeq == null) {
            return Future.failedFuture(Problem.invalid("/before", "before must be the id of a message in this conversation"));
          }
          PageQuery q = PageQuery.of(descending, afterSeq, beforeSeq, limit);
          return reader.read(q.lower(), q.upper(), q.scanDescending(), limit + 1)
              .map(rows -> Reply.ok(Rows.pageBytes(rows, limit, q.backwards())));
        });
  }

  /** The seq bounds and scan direction of one history page; shared by the database and the cache. */
  record PageQuery(long lower, long upper, boolean scanDescending, boolean backwards, int limit) {

    /** In list order, "after" continues forward and "before" goes back; both map onto seq bounds. */
    static PageQuery of(boolean descending, Long afterSeq, Long beforeSeq, int limit) {
      Long lower = descending ? beforeSeq : afterSeq;
      Long upper = descending ? afterSeq : beforeSeq;
      // Only "before": read backwards from the cursor so the page holds the items nearest to it.
      boolean backwards = beforeSeq != null && afterSeq == null;
      return new PageQuery(lower == null ? 0L : lower, upper == null ? Long.MAX_VALUE : upper,
          descending != backwards, backwards, limit);
    }

    /** The page from up to limit + 1 items read in scan order. */
    JsonObject page(List<JsonObject> scanned) {
      if (!backwards) {
        return Rows.page(scanned, limit);
      }
      List<JsonObject> page = new ArrayList<>(scanned.subList(0, Math.min(limit, scanned.size())));
      Collections.reverse(page);
      return Rows.page(page, limit).put("has_more", scanned.size() > limit);
    }
  }

  /** The reply body of an append: its messages as a list. */
  static JsonObject listOf(JsonObject appended) {
    JsonArray data = appended.getJsonArray("messages");
    return new JsonObject().put("object", "list").put("data", data)
        .put("first_id", data.getJsonObject(0).getString("id"))
        .put("last_id", data.getJsonObject(data.size() - 1).getString("id"))
        .put("has_more", false);
  }

  private static JsonArray collect(RowSet<Row> inserted) {
    JsonArray out = new JsonArray();
    for (RowSet<Row> rs = inserted; rs != null; rs = rs.next()) {
      for (Row row : rs) {
        out.add(Rows.message(row));
      }
    }
    return out;
  }
}
