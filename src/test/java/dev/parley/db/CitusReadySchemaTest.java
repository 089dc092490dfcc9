package dev.parley.db;

import dev.parley.support.TestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The migrated schema stays one that a distributed PostgreSQL (Citus) can keep, with the
 * distribution columns of docs/scaling.md: every unique key of a table holds its distribution
 * column, and the only foreign keys join co-located tables (by conversation id).
 */
class CitusReadySchemaTest {

  private static TestServer server;

  @BeforeAll
  static void start() {
    server = TestServer.start();
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  private static String lacking(String table, String column) {
    return "(c.relname = '" + table + "' AND NOT EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid "
        + "AND a.attname = '" + column + "' AND a.attnum = ANY(x.indkey)))";
  }

  @Test
  @DisplayName("Every unique key holds its table's distribution column; the foreign keys join tables co-located by conversation")
  void distributable() {
    long badKeys = server.sqlLong("SELECT count(*) FROM pg_index x JOIN pg_class c ON c.oid = x.indrelid "
        + "JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'public' WHERE x.indisunique AND ("
        + lacking("conversations", "id") + " OR " + lacking("messages", "conversation_id") + " OR "
        + lacking("llm_calls", "owner") + " OR " + lacking("idempotency_keys", "owner") + " OR "
        + lacking("conversation_branches", "conversation_id") + ")");
    assertEquals(0, badKeys, "unique keys without their distribution column");
    assertEquals(2, server.sqlLong("SELECT count(*) FROM pg_constraint WHERE contype = 'f'"));
    assertEquals(2, server.sqlLong("SELECT count(*) FROM pg_constraint WHERE contype = 'f' "
        + "AND conrelid IN ('messages'::regclass, 'conversation_branches'::regclass) "
        + "AND confrelid = 'conversations'::regclass"));
    assertEquals(1, server.sqlLong("SELECT count(*) FROM pg_indexes WHERE tablename = 'messages' AND indexname = 'messages_id'"),
        "message ids stay indexed");
  }
}
