package dev.parley.store;

import dev.parley.bus.Reply;
import dev.parley.cache.HistoryCache;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * Cache-aside reads of a conversation and of its newest messages. A history page is served from
 * the cached window only when the window provably holds every message the page needs; otherwise
 * the database answers. Pages are built by the same code either way, so they are byte-identical.
 */
final class CachedReads {

  static final String CONVERSATION = "conversation";
  static final String WINDOW = "window";

  private final HistoryCache cache;
  private final Pool pool;
  private final int windowSize;

  CachedReads(HistoryCache cache, Pool pool, int windowSize) {
    this.cache = cache;
    this.pool = pool;
    this.windowSize = windowSize;
  }

  Future<Reply> conversation(String owner, UUID id, Supplier<Future<Reply>> database) {
    return cache.get(owner, id, CONVERSATION).compose(entry -> {
      if (entry.value() != null) {
        return Future.succeededFuture(Reply.ok(entry.value()));
      }
      return database.get().onSuccess(reply -> cache.fill(owner, id, CONVERSATION, entry, reply.body()));
    });
  }

  Future<Reply> messages(String owner, UUID id, boolean descending, UUID after, UUID before, int limit,
                         Supplier<Future<Reply>> database) {
    return cache.get(owner, id, WINDOW).compose(entry -> {
      if (entry.value() != null) {
        JsonObject page = pageFromWindow(entry.value(), descending, after, before, limit);
        if (page != null) {
          return Future.succeededFuture(Reply.ok(page));
        }
        return database.get();
      }
      return database.get().onSuccess(reply -> fillWindow(owner, id, entry));
    });
  }

  private void fillWindow(String owner, UUID id, HistoryCache.Entry entry) {
    if (entry.token() == null) {
      return;
    }
    pool.preparedQuery(SqlQueries.messagesDescending()).execute(Tuple.of(id, 0L, Long.MAX_VALUE, windowSize))
        .onSuccess(rows -> {
          List<JsonObject> newestFirst = Rows.messages(rows);
          JsonArray ascending = new JsonArray();
          for (int i = newestFirst.size() - 1; i >= 0; i--) {
            ascending.add(newestFirst.get(i));
          }
          boolean complete = newestFirst.size() < windowSize
              || newestFirst.get(newestFirst.size() - 1).getLong("seq") == 1L;
          cache.fill(owner, id, WINDOW, entry, new JsonObject().put("complete", complete).put("messages", ascending));
        });
  }

  /** The page, or null when the window cannot prove it holds all of it. */
  static JsonObject pageFromWindow(JsonObject window, boolean descending, UUID after, UUID before, int limit) {
    JsonArray messages = window.getJsonArray("messages");
    Long afterSeq = after == null ? null : seqOf(messages, after);
    Long beforeSeq = before == null ? null : seqOf(messages, before);
    if ((after != null && afterSeq == null) || (before != null && beforeSeq == null)) {
      return null;
    }
    MessageStore.PageQuery q = MessageStore.PageQuery.of(descending, afterSeq, beforeSeq, limit);
    long minSeq = messages.isEmpty() ? 1 : messages.getJsonObject(0).getLong("seq");
    boolean complete = window.getBoolean("complete");
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
        return null;
      }
    } else {
      if (!complete && q.lower() + 1 < minSeq) {
        return null;
      }
      for (int i = 0; i < messages.size() && scanned.size() <= limit; i++) {
        JsonObject m = messages.getJsonObject(i);
        long seq = m.getLong("seq");
        if (seq > q.lower() && seq < q.upper()) {
          scanned.add(m);
        }
      }
    }
    return q.page(scanned);
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
