package dev.parley.store;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.io.SerializedString;
import dev.parley.bus.JsonBytes;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;

import java.io.IOException;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.UUID;

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
        // Archived by its user, or moved to cold storage (which also shows it among the archived).
        .put("archived", row.getValue("archived_at") != null
            || row.getColumnIndex("cold") >= 0 && Boolean.TRUE.equals(row.getBoolean("cold")))
        .put("created_at", timestamp(row.getOffsetDateTime("created_at")))
        .put("updated_at", timestamp(row.getOffsetDateTime("updated_at")))
        .put("current_branch", row.getInteger("current_branch"))
        .put("forked_from", row.getUUID("forked_from_conversation_id") == null ? null : new JsonObject()
            .put("conversation_id", row.getUUID("forked_from_conversation_id").toString())
            .put("message_id", row.getUUID("forked_from_message_id").toString()));
  }

  static JsonObject message(Row row) {
    return message(row, MessageColumns.of(row));
  }

  /**
   * Where each message column is in a result: looked up by name once per result instead of once
   * per row and column (a name lookup hashes the name; it was a tenth of a history read's CPU).
   */
  private record MessageColumns(int id, int conversationId, int seq, int role, int content, int tokenCount, int model,
                                int sources, int selectedText, int metadata, int toolCalls, int toolCallId, int status,
                                int createdAt, int branch) {

    static MessageColumns of(Row row) {
      return new MessageColumns(row.getColumnIndex("id"), row.getColumnIndex("conversation_id"),
          row.getColumnIndex("seq"), row.getColumnIndex("role"), row.getColumnIndex("content"),
          row.getColumnIndex("token_count"), row.getColumnIndex("model"), row.getColumnIndex("sources"),
          row.getColumnIndex("selected_text"), row.getColumnIndex("metadata"), row.getColumnIndex("tool_calls"),
          row.getColumnIndex("tool_call_id"), row.getColumnIndex("status"),
          row.getColumnIndex("created_at"), row.getColumnIndex("branch"));
    }
  }

  private static JsonObject message(Row row, MessageColumns c) {
    // 16 members: sized so the map never grows while it is filled.
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
        .put("selected_text", row.getString(c.selectedText()))
        .put("metadata", jsonObject(row.getValue(c.metadata())))
        .put("tool_calls", row.getValue(c.toolCalls()))
        .put("tool_call_id", row.getString(c.toolCallId()))
        .put("status", row.getString(c.status()))
        .put("created_at", timestamp(row.getOffsetDateTime(c.createdAt())))
        .put("branch", row.getInteger(c.branch()));
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

  /**
   * A list page written straight from message rows into JSON bytes, exactly as {@link #page} of
   * {@link #messages} would encode (RowsPageBytesTest): no JsonObject per message, member names
   * encoded once. {@code scanned} holds up to limit + 1 rows in scan order; {@code backwards}: they
   * were read from a "before" cursor backwards, and the page shows them the other way round.
   */
  static Buffer pageBytes(RowSet<Row> scanned, int limit, boolean backwards) {
    List<Row> rows = new ArrayList<>(scanned.size());
    scanned.forEach(rows::add);
    boolean hasMore = rows.size() > limit;
    List<Row> data = new ArrayList<>(rows.subList(0, Math.min(limit, rows.size())));
    if (backwards) {
      Collections.reverse(data);
    }
    return JsonBytes.write(512 + 640 * data.size(), json -> {
      json.writeStartObject();
      json.writeFieldName(OBJECT);
      json.writeString("list");
      json.writeFieldName(DATA);
      json.writeStartArray();
      MessageColumns columns = data.isEmpty() ? null : MessageColumns.of(data.get(0));
      for (Row row : data) {
        writeMessage(json, row, columns);
      }
      json.writeEndArray();
      json.writeFieldName(FIRST_ID);
      writeId(json, data.isEmpty() ? null : data.get(0).getUUID(columns.id()));
      json.writeFieldName(LAST_ID);
      writeId(json, data.isEmpty() ? null : data.get(data.size() - 1).getUUID(columns.id()));
      json.writeFieldName(HAS_MORE);
      json.writeBoolean(hasMore);
      json.writeEndObject();
    });
  }

  private static final SerializedString OBJECT = new SerializedString("object");
  private static final SerializedString DATA = new SerializedString("data");
  private static final SerializedString FIRST_ID = new SerializedString("first_id");
  private static final SerializedString LAST_ID = new SerializedString("last_id");
  private static final SerializedString HAS_MORE = new SerializedString("has_more");
  private static final SerializedString ID = new SerializedString("id");
  private static final SerializedString CONVERSATION_ID = new SerializedString("conversation_id");
  private static final SerializedString SEQ = new SerializedString("seq");
  private static final SerializedString ROLE = new SerializedString("role");
  private static final SerializedString CONTENT = new SerializedString("content");
  private static final SerializedString TOKEN_COUNT = new SerializedString("token_count");
  private static final SerializedString MODEL = new SerializedString("model");
  private static final SerializedString SOURCES = new SerializedString("sources");
  private static final SerializedString SELECTED_TEXT = new SerializedString("selected_text");
  private static final SerializedString METADATA = new SerializedString("metadata");
  private static final SerializedString TOOL_CALLS = new SerializedString("tool_calls");
  private static final SerializedString TOOL_CALL_ID = new SerializedString("tool_call_id");
  private static final SerializedString STATUS = new SerializedString("status");
  private static final SerializedString CREATED_AT = new SerializedString("created_at");
  private static final SerializedString BRANCH = new SerializedString("branch");

  /** One message, member for member as {@link #message(Row, MessageColumns)} builds it. */
  private static void writeMessage(JsonGenerator json, Row row, MessageColumns c) throws IOException {
    json.writeStartObject();
    json.writeFieldName(ID);
    writeId(json, row.getUUID(c.id()));
    json.writeFieldName(OBJECT);
    json.writeString("message");
    json.writeFieldName(CONVERSATION_ID);
    writeId(json, row.getUUID(c.conversationId()));
    json.writeFieldName(SEQ);
    json.writeNumber(row.getLong(c.seq()));
    json.writeFieldName(ROLE);
    json.writeString(row.getString(c.role()));
    json.writeFieldName(CONTENT);
    json.writeString(row.getString(c.content()));
    json.writeFieldName(TOKEN_COUNT);
    JsonBytes.value(json, row.getInteger(c.tokenCount()));
    json.writeFieldName(MODEL);
    json.writeString(row.getString(c.model()));
    json.writeFieldName(SOURCES);
    JsonBytes.value(json, row.getValue(c.sources()));
    json.writeFieldName(SELECTED_TEXT);
    json.writeString(row.getString(c.selectedText()));
    json.writeFieldName(METADATA);
    JsonBytes.value(json, jsonObject(row.getValue(c.metadata())));
    json.writeFieldName(TOOL_CALLS);
    JsonBytes.value(json, row.getValue(c.toolCalls()));
    json.writeFieldName(TOOL_CALL_ID);
    json.writeString(row.getString(c.toolCallId()));
    json.writeFieldName(STATUS);
    json.writeString(row.getString(c.status()));
    json.writeFieldName(CREATED_AT);
    json.writeString(timestamp(row.getOffsetDateTime(c.createdAt())));
    json.writeFieldName(BRANCH);
    json.writeNumber(row.getInteger(c.branch()));
    json.writeEndObject();
  }

  private static void writeId(JsonGenerator json, UUID id) throws IOException {
    if (id == null) {
      json.writeNull();
    } else {
      json.writeString(id.toString());
    }
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
