package dev.parley.store;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;

import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;

/** Maps rows to the API's JSON objects, once, in one place. */
final class Rows {

  /** Fixed microsecond precision, so equal instants always print alike. */
  private static final DateTimeFormatter TIMESTAMP = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSSSSS'Z'");

  private Rows() {
  }

  static JsonObject conversation(Row row) {
    return new JsonObject()
        .put("id", row.getUUID("id").toString())
        .put("object", "conversation")
        .put("title", row.getString("title"))
        .put("metadata", jsonObject(row.getValue("metadata")))
        .put("message_count", row.getInteger("message_count"))
        .put("total_tokens", row.getLong("total_tokens"))
        .put("archived", row.getValue("archived_at") != null)
        .put("created_at", timestamp(row.getOffsetDateTime("created_at")))
        .put("updated_at", timestamp(row.getOffsetDateTime("updated_at")));
  }

  static JsonObject message(Row row) {
    return new JsonObject()
        .put("id", row.getUUID("id").toString())
        .put("object", "message")
        .put("conversation_id", row.getUUID("conversation_id").toString())
        .put("seq", row.getLong("seq"))
        .put("role", row.getString("role"))
        .put("content", row.getString("content"))
        .put("token_count", row.getInteger("token_count"))
        .put("model", row.getString("model"))
        .put("sources", row.getValue("sources"))
        .put("metadata", jsonObject(row.getValue("metadata")))
        .put("tool_calls", row.getValue("tool_calls"))
        .put("status", row.getString("status"))
        .put("created_at", timestamp(row.getOffsetDateTime("created_at")));
  }

  static List<JsonObject> conversations(RowSet<Row> rows) {
    List<JsonObject> out = new ArrayList<>(rows.size());
    for (Row row : rows) {
      out.add(conversation(row));
    }
    return out;
  }

  static List<JsonObject> messages(RowSet<Row> rows) {
    List<JsonObject> out = new ArrayList<>(rows.size());
    for (Row row : rows) {
      out.add(message(row));
    }
    return out;
  }

  /** A list page: {@code items} holds up to limit + 1 rows; the extra one only says there is more. */
  static JsonObject page(List<JsonObject> items, int limit) {
    boolean hasMore = items.size() > limit;
    List<JsonObject> data = hasMore ? items.subList(0, limit) : items;
    return new JsonObject()
        .put("object", "list")
        .put("data", new JsonArray(new ArrayList<>(data)))
        .put("first_id", data.isEmpty() ? null : data.get(0).getString("id"))
        .put("last_id", data.isEmpty() ? null : data.get(data.size() - 1).getString("id"))
        .put("has_more", hasMore);
  }

  private static JsonObject jsonObject(Object value) {
    return value instanceof JsonObject o ? o : new JsonObject();
  }

  private static String timestamp(OffsetDateTime time) {
    return time.withOffsetSameInstant(ZoneOffset.UTC).format(TIMESTAMP);
  }
}
