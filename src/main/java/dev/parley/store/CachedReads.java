package dev.parley.store;

import dev.parley.bus.JsonBytes;
import dev.parley.bus.Reply;
import dev.parley.cache.HistoryCache;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * Cache-aside reads of a conversation and of its recent messages (the newest
 * {@code redis.cache_recent_messages}). A history page is served from the cached recent messages
 * only when they provably hold every message the page needs; otherwise the database answers.
 * Pages are built by the same code either way, so they are byte-identical.
 */
final class CachedReads {

  static final String CONVERSATION = "conversation";
  static final String RECENT = "recent";

  private final HistoryCache cache;
  private final NearPages near;
  private final Pool pool;
  private final int recentSize;

  CachedReads(HistoryCache cache, NearPages near, Pool pool, int recentSize) {
    this.cache = cache;
    this.near = near;
    this.pool = pool;
    this.recentSize = recentSize;
  }

  Future<Reply> conversation(String owner, UUID id, Supplier<Future<Reply>> database) {
    return cache.get(owner, id, CONVERSATION).compose(entry -> {
      if (entry instanceof HistoryCache.Entry.Hit hit) {
        return Future.succeededFuture(Reply.ok(hit.value()));
      }
      Future<Reply> read = database.get();
      return entry instanceof HistoryCache.Entry.Miss miss
          ? read.onSuccess(reply -> cache.fill(owner, id, CONVERSATION, miss, reply.body()))
          : read;
    });
  }

  /**
   * A history page: from this node's memory when Redis confirms the page held there is of the
   * current version (no PostgreSQL, no JSON built or encoded), else from the cached recent
   * messages, else from the database; the page then goes to memory under the version it was made
   * from.
   */
  Future<Reply> messages(String owner, UUID id, boolean descending, UUID after, UUID before, int limit,
                         Supplier<Future<Reply>> database) {
    String key = NearPages.key(owner, id, descending, after, before, limit);
    NearPages.Page held = near.enabled() ? near.get(key) : null;
    return cache.get(owner, id, RECENT, held == null ? null : held.token()).compose(entry -> {
      if (entry instanceof HistoryCache.Entry.Unchanged) {
        return Future.succeededFuture(Reply.ok(held.bytes()));
      }
      if (entry instanceof HistoryCache.Entry.Hit hit) {
        return pageFromRecent(hit.value(), descending, after, before, limit)
            .map(page -> Future.succeededFuture(Reply.ok(JsonBytes.encode(page))))
            .orElseGet(database)
            .onSuccess(reply -> near.put(key, hit.token(), reply.bytes()));
      }
      Future<Reply> read = database.get();
      return entry instanceof HistoryCache.Entry.Miss miss
          ? read.onSuccess(reply -> {
            fillRecent(owner, id, miss);
            near.put(key, miss.token(), reply.bytes());
          })
          : read;
    });
  }

  private void fillRecent(String owner, UUID id, HistoryCache.Entry.Miss miss) {
    pool.preparedQuery(SqlQueries.messagesDescending()).execute(Tuple.of(id, 0L, Long.MAX_VALUE, recentSize))
        .onSuccess(rows -> {
          List<JsonObject> newestFirst = Rows.messages(rows);
          JsonArray ascending = new JsonArray();
          for (int i = newestFirst.size() - 1; i >= 0; i--) {
            ascending.add(newestFirst.get(i));
          }
          boolean complete = newestFirst.size() < recentSize
              || newestFirst.get(newestFirst.size() - 1).getLong("seq") == 1L;
          cache.fill(owner, id, RECENT, miss, new JsonObject().put("complete", complete).put("messages", ascending));
        });
  }

  /**
   * The page from the cached recent messages ({complete, messages: oldest first}), or empty when
   * they cannot prove they hold all of it.
   */
  static Optional<JsonObject> pageFromRecent(JsonObject recent, boolean descending, UUID after, UUID before,
                                             int limit) {
    JsonArray messages = recent.getJsonArray("messages");
    Long afterSeq = after == null ? null : seqOf(messages, after);
    Long beforeSeq = before == null ? null : seqOf(messages, before);
    if ((after != null && afterSeq == null) || (before != null && beforeSeq == null)) {
      return Optional.empty();
    }
    MessageStore.PageQuery q = MessageStore.PageQuery.of(descending, afterSeq, beforeSeq, limit);
    long minSeq = messages.isEmpty() ? 1 : messages.getJsonObject(0).getLong("seq");
    boolean complete = recent.getBoolean("complete");
    List<JsonObject> scanned = new ArrayList<>();
    if (q.scanDescending()) {
      for (int i = messages.size() - 1; i >= 0 && scanned.size() <= limit; i--) {
        JsonObject m = messages.getJsonObject(i);
        long seq = m.getLong("seq");
        if (seq > q.lower() && seq < q.upper()) {
          scanned.add(m);
        }
      }
      if (scanned.size() <= limit && !complete && q.lower() < minSeq - 1) {
        return Optional.empty();
      }
    } else {
      if (!complete && q.lower() + 1 < minSeq) {
        return Optional.empty();
      }
      for (int i = 0; i < messages.size() && scanned.size() <= limit; i++) {
        JsonObject m = messages.getJsonObject(i);
        long seq = m.getLong("seq");
        if (seq > q.lower() && seq < q.upper()) {
          scanned.add(m);
        }
      }
    }
    return Optional.of(q.page(scanned));
  }

  private static Long seqOf(JsonArray messages, UUID id) {
    String wanted = id.toString();
    for (int i = 0; i < messages.size(); i++) {
      JsonObject m = messages.getJsonObject(i);
      if (wanted.equals(m.getString("id"))) {
        return m.getLong("seq");
      }
    }
    return null;
  }
}
