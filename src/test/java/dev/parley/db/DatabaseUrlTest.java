package dev.parley.db;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

class DatabaseUrlTest {

  @Test
  @DisplayName("Database URLs parse into their parts and never print the password")
  void databaseUrl() {
    DatabaseUrl url = DatabaseUrl.parse("postgresql://parley:p%40ss@db.internal:5433/chat");
    assertEquals("db.internal", url.host());
    assertEquals(5433, url.port());
    assertEquals("chat", url.database());
    assertEquals("parley", url.user());
    assertEquals("p@ss", url.password());
    assertFalse(url.toString().contains("p@ss"));
    assertEquals("jdbc:postgresql://db.internal:5433/chat", url.jdbcUrl());
    assertThrows(IllegalArgumentException.class, () -> DatabaseUrl.parse("mysql://x/y"));
  }
}
