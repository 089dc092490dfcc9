package dev.parley.store;

import dev.parley.bus.Problem;
import dev.parley.bus.Reply;
import dev.parley.bus.Requests;
import dev.parley.db.SearchConfig;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.UUID;

/**
 * Full-text search over the user's messages in PostgreSQL: ranked hits with a highlighted snippet,
 * keyset pages on (rank, message id). Only the caller's conversations, never a deleted message or
 * conversation; conversations in cold storage are not searched until they are used again.
 *
 * <p>A search reads the caller's conversations, then their messages by primary key, matching each
 * message's stored tsvector (search_vector, search.config; V11). The match is written as
 * ts_match_vq rather than @@ so that the planner does not intersect every conversation's messages
 * with a scan of a text index over all users' messages: that was several times slower. Its cost
 * grows with the caller's message count, not with the table.
 */
final class SearchStore {

  private final Pool pool;
  private final String first;
  private final String next;

  SearchStore(Pool pool, String config) {
    this.pool = pool;
    String c = "'" + SearchConfig.checked(config) + "'::regconfig";
    // The hits are found and ranked first; snippets are made for the page only.
    String hits = "SELECT m.conversation_id, m.id, m.seq, m.role, m.content, m.created_at, c.title, "
        + "ts_rank(m.search_vector, q) AS rank, q "
        + "FROM conversations c JOIN messages m ON m.conversation_id = c.id, websearch_to_tsquery(" + c + ", $2) q "
        + "WHERE c.owner = $1 AND c.deleted_at IS NULL AND m.deleted_at IS NULL "
        + "AND ts_match_vq(m.search_vector, q) ";
    String page = "ORDER BY rank DESC, m.id LIMIT $3";
    String outer = "SELECT conversation_id, id, seq, role, created_at, title, rank, "
        + "ts_headline(" + c + ", content, q, 'StartSel=<mark>, StopSel=</mark>, MaxWords=24, MinWords=8, "
        + "MaxFragments=1') AS snippet FROM (";
    this.first = outer + hits + page + ") h ORDER BY rank DESC, id";
    String rank = "ts_rank(m.search_vector, q)";
    this.next = outer + hits + "AND (" + rank + " < $4::real OR " + rank + " = $4::real AND m.id > $5::uuid) "
        + page + ") h ORDER BY rank DESC, id";
  }

  Future<Reply> search(String owner, Requests.Search query) {
    Future<RowSet<Row>> rows;
    if (query.after() == null) {
      rows = pool.preparedQuery(first).execute(Tuple.of(owner, query.q(), query.limit() + 1));
    } else {
      Cursor cursor = Cursor.parse(query.after());
      rows = pool.preparedQuery(next).execute(Tuple.of(owner, query.q(), query.limit() + 1, cursor.rank(), cursor.id()));
    }
    return rows.map(found -> {
      JsonArray data = new JsonArray();
      Cursor last = null;
      for (Row row : found) {
        if (data.size() == query.limit()) {
          break;
        }
        last = new Cursor(row.getFloat("rank"), row.getUUID("id"));
        data.add(new JsonObject()
            .put("object", "search_hit")
            .put("conversation_id", row.getUUID("conversation_id").toString())
            .put("conversation_title", row.getString("title"))
            .put("message_id", row.getUUID("id").toString())
            .put("seq", row.getLong("seq"))
            .put("role", row.getString("role"))
            .put("snippet", row.getString("snippet"))
            .put("rank", row.getFloat("rank"))
            .put("created_at", Rows.timestamp(row.getOffsetDateTime("created_at"))));
      }
      boolean more = found.size() > query.limit();
      return Reply.ok(new JsonObject().put("object", "list").put("data", data).put("has_more", more)
          .put("next", more && last != null ? last.encode() : null));
    });
  }

  /** Where a page ended: the last hit's rank and message id, as an opaque string. */
  record Cursor(float rank, UUID id) {

    String encode() {
      return Base64.getUrlEncoder().withoutPadding()
          .encodeToString((Float.floatToIntBits(rank) + ":" + id).getBytes(StandardCharsets.UTF_8));
    }

    static Cursor parse(String text) {
      try {
        String[] parts = new String(Base64.getUrlDecoder().decode(text), StandardCharsets.UTF_8).split(":", 2);
        return new Cursor(Float.intBitsToFloat(Integer.parseInt(parts[0])), UUID.fromString(parts[1]));
      } catch (RuntimeException e) {
        throw Problem.invalid("/after", "after must be the next cursor of a search page");
      }
    }
  }
}
