package dev.parley.store;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;

import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
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
    return message(row, MessageColumns.of(row));
  }

  /**
   * Where each message column is in a result: looked up by name once per result instead of once
   * per row and column (a name lookup hashes the name; it was a tenth of a history read's CPU).
   */
  private record MessageColumns(int id, int conversationId, int seq, int role, int content, int tokenCount, int model,
                                int sources, int metadata, int toolCalls, int status, int createdAt) {

    static MessageColumns of(Row row) {
      return new MessageColumns(row.getColumnIndex("id"), row.getColumnIndex("conversation_id"),
          row.getColumnIndex("seq"), row.getColumnIndex("role"), row.getColumnIndex("content"),
          row.getColumnIndex("token_count"), row.getColumnIndex("model"), row.getColumnIndex("sources"),
          row.getColumnIndex("metadata"), row.getColumnIndex("tool_calls"), row.getColumnIndex("status"),
          row.getColumnIndex("created_at"));
    }
  }

  private static JsonObject message(Row row, MessageColumns c) {
    // 13 members: sized so the map never grows while it is filled.
    return new JsonObject(new LinkedHashMap<>(32))
        .put("id", row.getUUID(c.id()).toString())
        .put("object", "message")
        .put("conversation_id", row.getUUID(c.conversationId()).toString())
        .put("seq", row.getLong(c.seq()))
        .put("role", row.getString(c.role()))
        .put("content", row.getString(c.content()))
        .put("token_count", row.getInteger(c.tokenCount()))
        .put("model", row.getString(c.model()))
        .put("sources", row.getValue(c.sources()))
        .put("metadata", jsonObject(row.getValue(c.metadata())))
        .put("tool_calls", row.getValue(c.toolCalls()))
        .put("status", row.getString(c.status()))
        .put("created_at", timestamp(row.getOffsetDateTime(c.createdAt())));
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
    MessageColumns columns = null;
    for (Row row : rows) {
      if (columns == null) {
        columns = MessageColumns.of(row);
      }
      out.add(message(row, columns));
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

  /**
   * {@code uuuu-MM-dd'T'HH:mm:ss.SSSSSS'Z'} in UTC, written by hand for years 0 to 9999 (the
   * formatter's fraction printing went through BigDecimal: a few percent of a history read).
   */
  static String timestamp(OffsetDateTime time) {
    OffsetDateTime utc = time.withOffsetSameInstant(ZoneOffset.UTC);
    int year = utc.getYear();
    if (year < 0 || year > 9999) {
      return utc.format(TIMESTAMP);
    }
    char[] out = new char[27];
    digits(out, 0, year, 4);
    out[4] = '-';
    digits(out, 5, utc.getMonthValue(), 2);
    out[7] = '-';
    digits(out, 8, utc.getDayOfMonth(), 2);
    out[10] = 'T';
    digits(out, 11, utc.getHour(), 2);
    out[13] = ':';
    digits(out, 14, utc.getMinute(), 2);
    out[16] = ':';
    digits(out, 17, utc.getSecond(), 2);
    out[19] = '.';
    digits(out, 20, utc.getNano() / 1000, 6);
    out[26] = 'Z';
    return new String(out);
  }

  private static void digits(char[] out, int at, int value, int width) {
    for (int i = at + width - 1; i >= at; i--) {
      out[i] = (char) ('0' + value % 10);
      value /= 10;
    }
  }
}
