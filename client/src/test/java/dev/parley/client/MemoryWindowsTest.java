package dev.parley.client;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class MemoryWindowsTest {

  @Test
  @DisplayName("A window's new messages: after its stored front, also when the history moved on or repeats")
  void newFrom() {
    List<String> history = List.of("s", "q1", "a1", "q2", "a2");
    assertEquals(3, MemoryWindows.newFrom(history, List.of("s", "q2", "a2", "q3"), true), "a kept system message, then the tail");
    assertEquals(2, MemoryWindows.newFrom(history, List.of("a1", "q2", "x"), false), "history moved on after q2: x is new");
    assertEquals(2, MemoryWindows.newFrom(List.of("q", "ok"), List.of("q", "ok", "ok"), false), "a repeated message is new");
    assertEquals(0, MemoryWindows.newFrom(List.of(), List.of("a", "b"), false));
    assertEquals(0, MemoryWindows.newFrom(history, List.of("z1", "z2"), false), "nothing lines up: all new");
    assertEquals(2, MemoryWindows.newFrom(history, List.of("q2", "a2", "q3"), false));
  }
}
