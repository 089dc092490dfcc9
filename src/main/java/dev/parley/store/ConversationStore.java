package dev.parley.store;

import dev.parley.bus.NewMessage;
import dev.parley.bus.Problem;
import dev.parley.bus.Reply;
import dev.parley.bus.Requests;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/** Conversations of one owner: create, list, read, change, soft-delete, and erase them all. */
final class ConversationStore {

  private final Pool pool;
  private final MessageStore messages;
  private final Optional<CachedReads> cache;

  /** @param cache empty when no Redis is configured */
  ConversationStore(Pool pool, MessageStore messages, Optional<CachedReads> cache) {
    this.pool = pool;
    this.messages = messages;
    this.cache = cache;
  }

  /** Creates a conversation, with its first messages when given, inside {@code tx}. */
  Future<Reply> create(SqlConnection tx, String owner, String title, JsonObject metadata, List<NewMessage> first) {
    return insert(tx, UUID.randomUUID(), owner, title, metadata).compose(conversation -> {
      if (first.isEmpty()) {
        return Future.succeededFuture(Reply.created(conversation));
      }
      UUID id = UUID.fromString(conversation.getString("id"));
      return messages.append(tx, owner, id, first)
          .map(appended -> Reply.created(appended.getJsonObject("conversation")));
    });
  }

  /** Inserts a conversation row with the given id (no messages) inside {@code tx}. */
  Future<JsonObject> insert(SqlConnection tx, UUID id, String owner, String title, JsonObject metadata) {
    Tuple params = Tuple.of(id, owner, title, title == null ? "auto" : "user", metadata);
    return tx.preparedQuery(SqlQueries.insertConversation()).execute(params)
        .map(rows -> Rows.conversation(rows.iterator().next()));
  }

  Future<Reply> get(String owner, UUID id) {
    return cache.map(reads -> reads.conversation(owner, id, () -> fromDatabase(owner, id)))
        .orElseGet(() -> fromDatabase(owner, id));
  }

  private Future<Reply> fromDatabase(String owner, UUID id) {
    return pool.preparedQuery(SqlQueries.getConversation()).execute(Tuple.of(id, owner))
        .compose(rows -> rows.size() == 0
            ? Future.failedFuture(Problem.notFound("The conversation"))
            : Future.succeededFuture(Reply.ok(Rows.conversation(rows.iterator().next()))));
  }

  Future<Reply> list(String owner, Requests.ListConversations query) {
    int limit = query.limit();
    boolean archived = query.archived();
    UUID after = query.after();
    Future<Reply> page = (after == null
        ? pool.preparedQuery(SqlQueries.listConversations()).execute(Tuple.of(owner, archived, limit + 1))
        : pool.preparedQuery(SqlQueries.listConversationsAfter()).execute(Tuple.of(owner, archived, limit + 1, after)))
        .map(rows -> Reply.ok(Rows.page(Rows.conversations(rows), limit)));
    if (after == null) {
      return page;
    }
    // An empty page after an unknown cursor is a client error, not the end of the list.
    return page.compose(reply -> reply.body().getJsonArray("data").isEmpty()
        ? pool.preparedQuery(SqlQueries.conversationExists()).execute(Tuple.of(after, owner))
            .compose(rows -> rows.size() == 0
                ? Future.failedFuture(Problem.invalid("/after", "after must be the id of one of your conversations"))
                : Future.succeededFuture(reply))
        : Future.succeededFuture(reply));
  }

  Future<Reply> update(String owner, Requests.UpdateConversation change) {
    Tuple params = Tuple.from(new Object[] {change.id(), owner, change.titleGiven(), change.title(),
        change.metadata() != null, change.metadata(), change.archived()});
    return pool.preparedQuery(SqlQueries.updateConversation()).execute(params)
        .compose(rows -> rows.size() == 0
            ? Future.failedFuture(Problem.notFound("The conversation"))
            : Future.succeededFuture(Reply.ok(Rows.conversation(rows.iterator().next()))));
  }

  Future<Reply> delete(String owner, UUID id) {
    return pool.preparedQuery(SqlQueries.softDeleteConversation()).execute(Tuple.of(id, owner))
        .compose(rows -> rows.rowCount() == 0
            ? Future.failedFuture(Problem.notFound("The conversation"))
            : Future.succeededFuture(Reply.noContent()));
  }

  /** Stores a newer rolling summary of the messages up to {@code uptoSeq}. History itself is never touched. */
  Future<Reply> updateSummary(String owner, UUID id, String summary, long uptoSeq) {
    return pool.preparedQuery(SqlQueries.updateSummary())
        .execute(Tuple.of(id, owner, summary, uptoSeq))
        .map(rows -> Reply.noContent());
  }

  /**
   * Erases every conversation, message, stored response and LLM call record of the owner, for
   * good. Answers the ids of the conversations that were erased.
   */
  /** What an erasure removed: the conversations, and the objects of those that were cold. */
  record Erased(List<UUID> ids, List<String> coldKeys) {
  }

  Future<Erased> erase(String owner) {
    return pool.withTransaction(tx -> tx.preparedQuery(SqlQueries.eraseConversations()).execute(Tuple.of(owner))
        .compose(erased -> tx.preparedQuery(SqlQueries.eraseIdempotencyKeys()).execute(Tuple.of(owner))
            .compose(done -> tx.preparedQuery(SqlQueries.eraseLlmCalls()).execute(Tuple.of(owner)))
            .compose(done -> tx.preparedQuery(SqlQueries.eraseAnonymousClaims()).execute(Tuple.of(owner)))
            .map(done -> {
              List<UUID> ids = new ArrayList<>(erased.size());
              erased.forEach(row -> ids.add(row.getUUID("id")));
              return new Erased(ids, ColdArchive.keys(erased));
            })));
  }
}
