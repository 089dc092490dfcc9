package dev.parley.store;

import dev.parley.bus.JsonBytes;
import dev.parley.db.DatabaseUrl;
import dev.parley.support.TestServer;
import dev.parley.support.TestServices;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgBuilder;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** A history page written straight from rows has exactly the bytes of the page built as JSON objects and encoded. */
class RowsPageBytesTest {

  private static final String ROWS = "SELECT * FROM (VALUES "
      + "('0a1b2c3d-0000-4000-8000-000000000001'::uuid, '1a1b2c3d-0000-4000-8000-000000000001'::uuid, 1::bigint, 'user', "
      + "  'quote \" backslash \\ newline ' || chr(10) || ' tab ' || chr(9) || ' é 漢字 😀 </script>', 12, NULL::text, "
      + "  NULL::jsonb, 'picked \"text\" ✓'::text, '{}'::jsonb, NULL::jsonb, NULL::text, 'complete', '2026-12-06 09:00:00.123456+00'::timestamptz, 0), "
      + "('0a1b2c3d-0000-4000-8000-000000000002', '1a1b2c3d-0000-4000-8000-000000000001', 2, 'assistant', 'answer', NULL, "
      + "  'gpt-4o-mini', '[\"https://example.com\", 1, 2.5, null, {\"a\": [true]}]', NULL, '{\"k\": \"v\", \"n\": {\"deep\": 1}}', "
      + "  '[{\"id\": \"call_1\", \"type\": \"function\", \"function\": {\"name\": \"f\", \"arguments\": \"{}\"}}]', "
      + "  NULL, 'interrupted', '1999-01-02 03:04:05+05', 2), "
      + "('0a1b2c3d-0000-4000-8000-000000000003', '1a1b2c3d-0000-4000-8000-000000000001', 9007199254740993, 'tool', '', 0, "
      + "  NULL, '\"a string\"', '', NULL, '[]', 'call_1', 'complete', '2026-01-01 00:00:00+00', 2147483647)"
      + ") AS t(" + SqlQueries.MESSAGE_COLUMNS + ")";

  private static Vertx vertx;
  private static Pool pool;

  @BeforeAll
  static void connect() {
    vertx = Vertx.vertx();
    pool = PgBuilder.pool().connectingTo(DatabaseUrl.parse(TestServices.freshDatabase()).connectOptions()).using(vertx).build();
  }

  @AfterAll
  static void close() {
    TestServer.await(pool.close());
    TestServer.await(vertx.close());
  }

  @Test
  @DisplayName("Same bytes as Rows.page of Rows.messages, encoded: escapes, Unicode, nulls, JSON columns, has_more, backwards pages, empty pages")
  void sameBytesAsTheObjects() {
    RowSet<Row> rows = TestServer.await(pool.query(ROWS).execute());
    for (int limit : new int[] {1, 2, 3, 5}) {
      assertEquals(JsonBytes.encode(Rows.page(Rows.messages(rows), limit)).toString(),
          Rows.pageBytes(rows, limit, false).toString(), "limit " + limit);
      MessageStore.PageQuery backwards = MessageStore.PageQuery.of(false, null, 10L, limit);
      assertEquals(JsonBytes.encode(backwards.page(Rows.messages(rows))).toString(),
          Rows.pageBytes(rows, limit, true).toString(), "backwards, limit " + limit);
    }
    RowSet<Row> none = TestServer.await(pool.query(ROWS + " WHERE false").execute());
    assertEquals(JsonBytes.encode(Rows.page(List.of(), 20)).toString(), Rows.pageBytes(none, 20, false).toString());
  }
}
